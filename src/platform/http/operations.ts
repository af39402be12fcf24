import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { listOperations, loadOpenApi, routeSchema } from '../openapi.js';
import type { RouteAuth } from './auth.js';

/**
 * Routes come from the OpenAPI document: a module supplies handlers by operationId, and the
 * method, path and validation/serialisation schemas are taken from the spec, so the published
 * contract and the running server cannot drift apart.
 */
export type OperationHandler = (
  // biome-ignore lint/suspicious/noExplicitAny: handlers narrow their own request types
  request: FastifyRequest<any>,
  reply: FastifyReply,
) => Promise<unknown> | unknown;

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

export function bindOperations(
  app: FastifyInstance,
  handlers: Record<string, OperationHandler | [OperationHandler, OperationOptions]>,
): void {
  const doc = loadOpenApi();
  const ops = new Map(listOperations(doc).map((o) => [o.operationId, o]));
  for (const [operationId, entry] of Object.entries(handlers)) {
    const op = ops.get(operationId);
    if (!op)
      throw new Error(`handler for unknown operation ${operationId}: add it to openapi/openapi.yaml first`);
    const [handler, options] = Array.isArray(entry) ? entry : [entry, {}];
    const auth = routeAuth(op.spec.security ?? doc.security);
    app.route({
      method: op.method,
      url: op.url,
      schema: { ...routeSchema(op), operationId } as RouteOptions['schema'],
      ...options.route,
      config: { ...(options.route?.config ?? {}), operationId, auth },
      handler,
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
