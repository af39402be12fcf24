import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { BadRequestError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { loggerOptions } from '../logger.js';
import type { ModuleContext, ModulePlugin, ModuleRoutes } from '../module.js';
import { componentSchemas, loadOpenApi } from '../openapi.js';
import { authenticationPlugin } from './auth.js';
import {
  bodyDeadline,
  clientErrorHandler,
  edgeHeaders,
  illFormedTextError,
  illFormedTextFields,
  MethodNotAllowedError,
  mayHoldLoneSurrogate,
  methodsByPath,
} from './edges.js';
import { idempotencyPlugin } from './idempotency.js';
import { lazySerializerFactory, lazyValidator } from './lazy-compilers.js';
import { platformRoutes } from './platform-routes.js';
import { sendProblem, toProblem } from './problem.js';
import { routeUrl } from './route-context.js';
import { securityHeadersPlugin } from './security-headers.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, with the operation it serves (checked against the spec in tests). */
    routeTable: { method: string; url: string; operationId?: string }[];
  }
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

function validatorCompilers() {
  // Query strings and paths are text: coerce "20" to 20 there. Bodies are JSON: never coerce,
  // so "20" for a number is a validation error rather than a silent conversion.
  const common = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false } as const;
  const coercing = addFormats.default(new Ajv.default({ ...common, coerceTypes: 'array' }));
  const strict = addFormats.default(new Ajv.default({ ...common, coerceTypes: false }));
  for (const s of componentSchemas()) {
    coercing.addSchema(s, s.$id);
    strict.addSchema(s, s.$id);
  }
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    lazyValidator(() => (httpPart === 'body' ? strict : coercing).compile(schema));
}

/**
 * The API: platform hooks and routes, then the modules' app-wide `plugins` (registered after
 * authentication, before idempotency) and their `routes`.
 */
export async function buildApp(
  ctx: ModuleContext,
  modules: ModuleRoutes[] = [],
  plugins: ModulePlugin[] = [],
): Promise<FastifyInstance> {
  const { config } = ctx;
  const logger: FastifyServerOptions['logger'] = config.logLevel === 'silent' ? false : loggerOptions(config);
  const app: FastifyInstance = Fastify({
    logger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : newId();
    },
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    ajv: { customOptions: { strict: false } },
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory } },
    return503OnClosing: true,
    forceCloseConnections: false,
    // Headers trickled slowly are answered 408 by Node (checked at the interval given here);
    // a slow body by the bodyDeadline hook below.
    requestTimeout: config.requestTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, config.requestTimeoutMs / 4)),
    },
    // Over-long headers (431) and slow requests (408) are refused by Node before routing.
    clientErrorHandler: clientErrorHandler((): FastifyBaseLogger => app.log),
    // Router-level refusals (malformed URL, over-long path parameter) are problems too.
    frameworkErrors: (err, req, reply) => {
      reply.headers(edgeHeaders(req));
      return sendProblem(reply, toProblem(err, req));
    },
  });
  app.setValidatorCompiler(validatorCompilers());
  for (const s of componentSchemas()) app.addSchema(s);
  app.decorate('boundOperations', new Set<string>());
  const routeTable: { method: string; url: string; operationId?: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routeTable.push({ method, url: route.url, operationId: route.config?.operationId });
    }
  });

  // Security headers first: a hook that ends the request early (the 405 and NUL refusals below)
  // skips every onRequest hook after it, and its answer must carry the same headers.
  await app.register(securityHeadersPlugin);
  const allowedMethods = methodsByPath(app);
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // PostgreSQL cannot store NUL in text; refuse it at the edge instead of failing deep down.
    if (req.url.includes('%00')) return done(new BadRequestError('nul-character'));
    // A known path asked with a method it does not have: 405 with the methods it has.
    if (req.is404) {
      const allow = allowedMethods(req.url.split('?')[0] ?? '');
      if (allow.length) {
        reply.header('allow', allow.join(', '));
        return done(new MethodNotAllowedError(req.method, allow));
      }
    }
    done();
  });
  app.addHook('preParsing', bodyDeadline(config.requestTimeoutMs));
  // JSON bodies: the default parser, plus the same NUL refusal (`\u0000` escapes) and a refusal
  // of ill-formed text (a lone UTF-16 surrogate cannot be stored or indexed), naming the fields.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const raw = body as string;
    if (raw.includes('\\u0000')) return done(new BadRequestError('nul-character'), undefined);
    if (!mayHoldLoneSurrogate(raw)) return defaultJson(req, raw, done);
    defaultJson(req, raw, (err, parsed) => {
      if (err) return done(err, undefined);
      const fields = illFormedTextFields(parsed);
      return fields.length ? done(illFormedTextError(fields), undefined) : done(null, parsed);
    });
  });
  // Answers to an authenticated caller may carry personal data: no shared or browser cache
  // keeps them (a route that sets its own Cache-Control keeps it).
  app.addHook('onSend', (req, reply, payload, done) => {
    if ((req.principal || req.headers.authorization) && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = routeUrl(req) ?? 'unmatched';
    ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const problem = toProblem(err, req);
    if (problem.status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: problem.type, status: problem.status }, 'request refused');
    if ((problem.status === 429 || problem.status === 503) && typeof problem.retryAfter === 'number')
      reply.header('retry-after', String(problem.retryAfter));
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((req, reply) => {
    const url = (req.url.split('?')[0] ?? '').slice(0, 200);
    return sendProblem(
      reply,
      toProblem(new NotFoundError('route-not-found', { method: req.method, url }), req),
    );
  });

  if (config.corsOrigins.length) {
    await app.register(cors, {
      origin: [...config.corsOrigins],
      exposedHeaders: [
        'x-request-id',
        'idempotent-replayed',
        'ratelimit',
        'ratelimit-policy',
        'retry-after',
        'location',
      ],
    });
  } else {
    // No browser origin is allowed: @fastify/cors would add nothing to any answer, yet still
    // run its hook on every request. What it leaves behind is its preflight route, which
    // answers as an unknown route when CORS is off; keep that, without the hook.
    app.options('*', { schema: { hide: true } }, (_req, reply) => reply.callNotFound());
  }
  await app.register(authenticationPlugin, { authenticator: ctx.authenticator });
  for (const plugin of plugins) await app.register(fp(async (scope) => plugin(scope, ctx)));
  await app.register(idempotencyPlugin, { db: ctx.database.db, appSecret: ctx.secrets.appSecret });
  await app.register(swagger, { mode: 'static', specification: { document: loadOpenApi() as never } });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(async (scope) => platformRoutes(scope, ctx));
  for (const mod of modules) await app.register(async (scope) => mod(scope, ctx));
  return app;
}
