import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { Config } from '../../platform/config.js';
import { TooManyRequestsError } from '../../platform/errors.js';

/**
 * Per-caller rate limits for every API route (@fastify/rate-limit). The key is the principal
 * (client or person) when a valid token came with the request, else the client IP. Counters
 * live in Redis when REDIS_URL is set, so API replicas share them; otherwise each process counts
 * in memory. Registered after authentication: the plugin's per-route `onRequest` hook runs after
 * the app-wide auth hook, so the principal is known; the auth plugin answers a bad or missing
 * token (401/403) only after this hook, so a caller trying tokens is counted (per IP). Answers carry the IETF RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "default";q=…;w=…` and
 * `RateLimit: "default";r=…;t=…`) besides the plugin's `RateLimit-Limit/-Remaining/-Reset`.
 */
/** Routes the limiter skips (probes and scraping); every other operation declares a 429 answer. */
export const RATE_LIMIT_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export function rateLimitKey(req: FastifyRequest): string {
  const p = req.principal;
  return p ? `${p.kind}:${p.id}` : `ip:${req.ip}`;
}

async function plugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 })
    : undefined;
  redis?.on('error', (err) => app.log.warn({ err }, 'rate-limit redis error'));
  if (redis) app.addHook('onClose', async () => void redis.disconnect());
  const windowSeconds = Math.ceil(config.rateLimit.windowMs / 1000);

  // Exempt routes get no rate-limit hook at all (decided once, when the route is added) rather
  // than a per-request allow-list lookup. This hook runs before the plugin's own onRoute hook.
  app.addHook('onRoute', (route) => {
    if (RATE_LIMIT_EXEMPT_PATHS.has(route.url) && route.config?.rateLimit === undefined)
      route.config = { ...route.config, rateLimit: false };
  });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    enableDraftSpec: true,
    redis,
    nameSpace: config.rateLimit.namespace,
    // A Redis outage must not take the API down with it: fail open and log.
    skipOnError: true,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_req, context) =>
      new TooManyRequestsError(Math.max(1, Math.ceil(context.ttl / 1000))),
  });

  app.addHook('onSend', (_req, reply, payload, done) => {
    const limit = reply.getHeader('ratelimit-limit');
    if (limit === undefined) return done(null, payload);
    const remaining = reply.getHeader('ratelimit-remaining') ?? 0;
    const reset = reply.getHeader('ratelimit-reset') ?? 0;
    reply.header('ratelimit-policy', `"default";q=${limit};w=${windowSeconds}`);
    reply.header('ratelimit', `"default";r=${remaining};t=${reset}`);
    done(null, payload);
  });
}

export const rateLimitPlugin = fp(plugin, { name: 'techex-rate-limit', dependencies: ['techex-auth'] });
