import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { components, operations } from '../../../openapi/schema.js';
import { listOperations, loadOpenApi, routeSchema } from '../openapi.js';
import type { RouteAuth } from './auth.js';

/**
 * Routes come from the OpenAPI document: a module supplies handlers by operationId, and the
 * method, path and validation/serialisation schemas are taken from the spec, so the published
 * contract and the running server cannot drift apart.
 */
export type OperationId = keyof operations;
/** A schema of the contract (`components.schemas`), e.g. `Schema<'Interest'>` for a view's return type. */
export type Schema<N extends keyof components['schemas']> = components['schemas'][N];
type Operation<K extends OperationId> = operations[K];

/** `undefined`/`never` (a part the operation does not have) as Fastify's "not declared". */
type Declared<T> = [Exclude<T, undefined>] extends [never] ? unknown : Exclude<T, undefined>;
/** The payload of a request body or response: the union over its media types. */
type Payload<T> = T extends { content: infer C }
  ? C[keyof C]
  : T extends { content?: never }
    ? undefined
    : never;
type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206 | '2XX';

/** The path parameters of an operation, as the contract declares them. */
export type ParamsOf<K extends OperationId> = Declared<Operation<K>['parameters']['path']>;
/** The query parameters of an operation (after the route schema's validation and coercion). */
export type QueryOf<K extends OperationId> = Declared<Operation<K>['parameters']['query']>;
/** The request body; `undefined` is included when the contract makes the body optional. */
export type BodyOf<K extends OperationId> =
  Operation<K> extends { requestBody: infer B }
    ? Payload<B>
    : Operation<K> extends { requestBody?: infer B }
      ? [Exclude<B, undefined>] extends [never]
        ? unknown
        : Payload<Exclude<B, undefined>> | undefined
      : unknown;

type Responses<K extends OperationId> = Operation<K>['responses'];
/**
 * What a handler may answer: the payloads of the success statuses, and of any other status whose
 * body is plain JSON (e.g. the 503 of /healthz); problem documents are thrown, not returned.
 */
export type ReplyOf<K extends OperationId> = {
  [S in keyof Responses<K>]: S extends SuccessStatus
    ? Payload<Responses<K>[S]>
    : Responses<K>[S] extends { content: { 'application/json': infer J } }
      ? J
      : never;
}[keyof Responses<K>];

/** The Fastify route generic of an operation: request parts and reply payload from the contract. */
export interface RouteOf<K extends OperationId> {
  Params: ParamsOf<K>;
  Querystring: QueryOf<K>;
  Body: BodyOf<K>;
  Reply: ReplyOf<K>;
}

/**
 * A handler typed by the contract (openapi/schema.d.ts, generated from openapi/openapi.yaml):
 * `req.params`, `req.query` and `req.body` have the contract's types, and the value returned (or
 * given to `reply.send`) must be one of the operation's declared payloads, so a change in the
 * contract is a compile error in its handler.
 */
export type Handler<K extends OperationId> = (
  request: FastifyRequest<RouteOf<K>>,
  reply: FastifyReply<RouteOf<K>>,
) =>
  | Promise<ReplyOf<K> | FastifyReply<RouteOf<K>> | undefined>
  | ReplyOf<K>
  | FastifyReply<RouteOf<K>>
  | undefined;

/** The typed request of an operation, for helpers that a handler calls. */
export type RequestOf<K extends OperationId> = FastifyRequest<RouteOf<K>>;

/** A handler, or a handler with extra route options. */
export type HandlerEntry<K extends OperationId> = Handler<K> | [Handler<K>, OperationOptions];

/** Handlers by operationId, each typed by its own operation. */
export type Handlers = { [K in OperationId]?: HandlerEntry<K> };

export interface OperationOptions {
  /** Extra route options (e.g. bodyLimit, config.idempotent). */
  route?: Partial<Pick<RouteOptions, 'bodyLimit' | 'config'>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    operationId?: string;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** operationIds bound so far (shared by every plugin context; decorated in app.ts). */
    boundOperations: Set<string>;
  }
}

/**
 * Sends JSON that is already serialised (a cached document, a page rendered by the route's own
 * serializer): the one place where a handler's payload is bytes rather than the contract's type.
 */
export function sendJson<K extends OperationId>(
  reply: FastifyReply<RouteOf<K>>,
  json: string | Buffer,
): FastifyReply<RouteOf<K>> {
  return reply.type('application/json; charset=utf-8').send(json as never);
}

export function bindOperations(app: FastifyInstance, handlers: Handlers): void {
  const doc = loadOpenApi();
  const ops = new Map(listOperations(doc).map((o) => [o.operationId, o]));
  for (const [operationId, entry] of Object.entries(handlers)) {
    const op = ops.get(operationId);
    if (!op)
      throw new Error(`handler for unknown operation ${operationId}: add it to openapi/openapi.yaml first`);
    const [handler, options]: [Handler<OperationId>, OperationOptions] = Array.isArray(entry)
      ? (entry as [Handler<OperationId>, OperationOptions])
      : [entry as Handler<OperationId>, {}];
    const auth = routeAuth(op.spec.security ?? doc.security);
    app.route({
      method: op.method,
      url: op.url,
      schema: { ...routeSchema(op), operationId } as RouteOptions['schema'],
      ...options.route,
      config: { ...(options.route?.config ?? {}), operationId, auth },
      handler: handler as RouteOptions['handler'],
    });
    app.boundOperations.add(operationId);
  }
}

/** The OpenAPI security requirement as the auth plugin needs it (`{}` alternative = anonymous allowed). */
function routeAuth(security: unknown): RouteAuth {
  const alternatives = Array.isArray(security) ? (security as Record<string, string[]>[]) : [];
  if (!alternatives.length) return { required: false, scopes: [] };
  const required = !alternatives.some((a) => Object.keys(a).length === 0);
  const scopes = [...new Set(alternatives.flatMap((a) => Object.values(a).flat()))];
  return { required, scopes };
}
