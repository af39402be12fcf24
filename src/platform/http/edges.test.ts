import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import type { ModuleRoutes } from '../module.js';

/**
 * The HTTP edge, as a schema fuzzer and a security review met it: ill-formed text, undeclared
 * methods, over-long requests, slow bodies, caching of personal answers, and rate limits for
 * callers with bad tokens. Real HTTP where Node itself answers (431, 408).
 */
let ctx: TestContext;
let app: FastifyInstance;
let port: number;

const routes: ModuleRoutes = async (scope) => {
  scope.post(
    '/v1/test-edges/things',
    {
      schema: {
        body: {
          type: 'object',
          properties: { title: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
    async (req) => ({ echoed: req.body }),
  );
  scope.get('/v1/test-edges/things/:id', async (req) => ({
    id: (req.params as { id: string }).id,
    who: req.principal?.id ?? null,
  }));
};

const fixture = useTestApp([routes], { env: { REQUEST_TIMEOUT_MS: '1000', RATE_LIMIT_MAX: '5' } });
beforeAll(async () => {
  ({ ctx, app } = fixture);
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});

/** A raw HTTP exchange: what the server wrote back until it closed the connection. */
function raw(lines: string, trickle?: { bytes: number; everyMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => {
      answer += d.toString('utf8');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve(answer);
    });
    socket.on('connect', () => {
      socket.write(lines);
      if (trickle) {
        let sent = 0;
        timer = setInterval(() => {
          if (sent++ < trickle.bytes && socket.writable) socket.write('a');
        }, trickle.everyMs);
      }
    });
    setTimeout(() => reject(new Error('the server kept the connection open')), 20_000);
  });
}

function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [status = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(status.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
}

describe('ill-formed text in JSON bodies', () => {
  it('refuses a lone surrogate with a 400 naming the field, keys included', async () => {
    const post = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/test-edges/things',
        headers: { 'content-type': 'application/json' },
        payload,
      });
    const res = await post('{"title":"ok","tags":["fine","ab\\ud800"]}');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: '/problems/ill-formed-text',
      errors: [{ field: 'body/tags/1', code: 'ill-formed-text' }],
    });
    const lowHalf = await post('{"title":"\\udc00x"}');
    expect(lowHalf.json().errors).toEqual([expect.objectContaining({ field: 'body/title' })]);
    const key = await post('{"x\\ud800":"y"}');
    expect(key.statusCode).toBe(400);
    expect(key.json().errors[0].field).toMatch(/^body\/x/);
    // A surrogate pair is ordinary text.
    const emoji = await post('{"title":"成果 \\ud83d\\ude00"}');
    expect(emoji.statusCode).toBe(200);
    expect(emoji.json().echoed.title).toBe('成果 😀');
  });
});

describe('methods', () => {
  it('answers a known path with an undeclared method 405 and Allow, before reading the body', async () => {
    const res = await app.inject({
      method: 'DELETE',
      url: '/v1/test-edges/things/abc',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json()).toMatchObject({ type: '/problems/method-not-allowed', allow: ['GET', 'HEAD'] });
    const put = await app.inject({ method: 'PUT', url: '/v1/test-edges/things' });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('POST');
    expect((await app.inject({ method: 'POST', url: '/healthz' })).headers.allow).toBe('GET, HEAD');
    // An unknown path stays 404.
    const unknown = await app.inject({ method: 'DELETE', url: '/v1/test-edges/nothing' });
    expect(unknown.statusCode).toBe(404);
  });

  it('gives 405, NUL and 404 refusals the same security headers and problem type as other answers', async () => {
    const api = await app.inject({ method: 'DELETE', url: '/v1/test-edges/things/abc' });
    const probe = await app.inject({ method: 'POST', url: '/healthz' });
    const nul = await app.inject({ method: 'GET', url: '/v1/test-edges/things/a%00b' });
    const unknown = await app.inject({ method: 'GET', url: '/v1/test-edges/nothing' });
    for (const [res, status] of [
      [api, 405],
      [probe, 405],
      [nul, 400],
      [unknown, 404],
    ] as const) {
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-request-id']).toBeDefined();
    }
  });
});

describe('refusals Node makes before routing', () => {
  it('answers over-long headers 431 as a problem with the security headers', async () => {
    const res = parse(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toMatchObject({ type: '/problems/header-fields-too-large', status: 431 });
  });

  it('answers an over-long path parameter 414 as a problem with the security headers', async () => {
    const res = await app.inject(`/v1/test-edges/things/${'a'.repeat(300)}`);
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.json().type).toBe('/problems/uri-too-long');
    expect(res.payload).not.toContain('aaaaaaaaaa');
  });

  it('closes slowly trickled headers with 408 as a problem', async () => {
    const answer = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', { bytes: 10_000, everyMs: 100 });
    const res = parse(answer);
    expect(res.status).toBe(408);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body.type).toBe('/problems/request-timeout');
  });

  it('closes a slowly trickled body with 408 instead of waiting for ever', async () => {
    const answer = await raw(
      'POST /v1/test-edges/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":"',
      { bytes: 100_000, everyMs: 100 },
    );
    const res = parse(answer);
    expect(res.status).toBe(408);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('/problems/request-timeout');
  });
});

describe('caching and rate limits for authenticated callers', () => {
  it('marks answers to a signed-in caller no-store, and leaves anonymous ones alone', async () => {
    const actor = await createActor(ctx);
    const mine = await app.inject({ url: '/v1/test-edges/things/1', headers: actor.headers });
    expect(mine.json().who).toBeTruthy();
    expect(mine.headers['cache-control']).toBe('no-store');
    const anonymous = await app.inject('/v1/test-edges/things/1');
    expect(anonymous.headers['cache-control']).toBeUndefined();
  });

  it('rate-limits requests with an invalid bearer token (401 until the limit, then 429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await app.inject({
        url: '/v1/test-edges/things/1',
        remoteAddress: '203.0.113.9',
        headers: { authorization: `Bearer not.a.valid-token-${i}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});
