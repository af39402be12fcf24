import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app.js';
import { buildTestApp, type TestContext } from '../../test/context.js';
import type { ModuleRoutes } from '../module.js';
import { bodyDeadline } from './edges.js';

/**
 * What the per-request plugin stack decides once instead of per request still answers as before:
 * CORS off means no CORS hook but the same answer to a preflight, probes are exempt from rate
 * limits by route, and a request without a body arms no body deadline.
 */
let ctx: TestContext;
let app: FastifyInstance;
let corsApp: FastifyInstance;

const routes: ModuleRoutes = async (scope) => {
  scope.get('/v1/test-stack/things', async () => ({ ok: true }));
};

const fixture = useTestApp([routes], { env: { RATE_LIMIT_MAX: '2' } });
beforeAll(async () => {
  ({ ctx, app } = fixture);
  corsApp = await buildTestApp(
    { ...ctx, config: { ...ctx.config, corsOrigins: ['https://portal.example'] } },
    [routes],
  );
});
afterAll(async () => {
  await corsApp.close();
});

describe('CORS', () => {
  const preflight = {
    method: 'OPTIONS' as const,
    url: '/v1/test-stack/things',
    headers: { origin: 'https://portal.example', 'access-control-request-method': 'GET' },
  };

  it('answers a preflight as an unknown route, with no CORS headers, when no origin is allowed', async () => {
    const res = await app.inject(preflight);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const get = await app.inject({
      url: '/v1/test-stack/things',
      headers: { origin: 'https://portal.example' },
    });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight from an allowed origin and exposes our headers to it', async () => {
    const res = await corsApp.inject(preflight);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://portal.example');
    const get = await corsApp.inject({
      url: '/v1/test-stack/things',
      headers: { origin: 'https://portal.example' },
    });
    expect(get.headers['access-control-allow-origin']).toBe('https://portal.example');
    expect(get.headers['access-control-expose-headers']).toContain('x-request-id');
    const other = await corsApp.inject({
      url: '/v1/test-stack/things',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limits', () => {
  it('never limits the probes, and limits an API route past its maximum', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ url: '/healthz', remoteAddress: '10.9.9.9' });
      expect(res.statusCode).toBe(200);
      expect(res.headers.ratelimit).toBeUndefined();
    }
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await app.inject({ url: '/v1/test-stack/things', remoteAddress: '10.9.9.10' })).statusCode,
      );
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('body deadline', () => {
  const run = (headers: Record<string, string>) => {
    const payload = Readable.from([]);
    const req = { raw: { complete: false }, headers } as unknown as FastifyRequest;
    const reply = { raw: { once: () => undefined }, sent: false } as unknown as FastifyReply;
    bodyDeadline(60_000)(req, reply, payload, () => undefined);
    return payload.listenerCount('end');
  };

  it('arms no timer for a request without a body, even before its message is marked complete', () => {
    expect(run({})).toBe(0);
  });

  it('arms one for a request announcing a body', () => {
    expect(run({ 'content-length': '10' })).toBe(1);
    expect(run({ 'transfer-encoding': 'chunked' })).toBe(1);
  });
});
