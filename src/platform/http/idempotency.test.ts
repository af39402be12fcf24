import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { ConflictError } from '../errors.js';

let ctx: TestContext;
let app: FastifyInstance;
let created = 0;
let release: (() => void) | undefined;

// Test-only routes (not part of the published contract) exercising the real plugin.
const fixture = useTestApp([
  async (scope) => {
    scope.post('/test/things', async (req, reply) => {
      created++;
      const body = req.body as { name?: string; slow?: boolean; fail?: string };
      if (body.slow) await new Promise<void>((r) => (release = r));
      if (body.fail === 'conflict') throw new ConflictError();
      if (body.fail === 'crash') throw new Error('boom');
      return reply
        .code(201)
        .header('location', `/test/things/${created}`)
        .send({ id: created, name: body.name });
    });
  },
]);
beforeAll(() => {
  ({ ctx, app } = fixture);
});

const post = (body: object, key?: string, ip = '10.0.0.1') =>
  app.inject({
    method: 'POST',
    url: '/test/things',
    remoteAddress: ip,
    headers: key ? { 'idempotency-key': key } : {},
    payload: body,
  });

describe('Idempotency-Key', () => {
  it('replays the stored response, status and headers included, without running twice', async () => {
    const before = created;
    const first = await post({ name: '锂电池' }, 'key-1');
    expect(first.statusCode).toBe(201);
    const again = await post({ name: '锂电池' }, 'key-1');
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(created).toBe(before + 1);
  });

  it('treats a different key order in the body as the same request', async () => {
    const a = await app.inject({
      method: 'POST',
      url: '/test/things',
      headers: { 'idempotency-key': 'k-order', 'content-type': 'application/json' },
      payload: '{"a":1,"name":"x"}',
    });
    const b = await app.inject({
      method: 'POST',
      url: '/test/things',
      headers: { 'idempotency-key': 'k-order', 'content-type': 'application/json' },
      payload: '{"name":"x","a":1}',
    });
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json()).toEqual(a.json());
  });

  it('refuses the same key with a different body (422)', async () => {
    await post({ name: 'A' }, 'key-2');
    const res = await post({ name: 'B' }, 'key-2');
    expect(res.statusCode).toBe(422);
    expect(res.json().type).toBe('/problems/idempotency-key-reused');
  });

  it('answers 409 while the first request with the key is still in flight', async () => {
    release = undefined;
    const slow = post({ name: 'slow', slow: true }, 'key-3');
    // In flight: its handler has started (and holds the key) once it has set `release`.
    await vi.waitFor(() => expect(release).toBeDefined());
    const second = await post({ name: 'slow', slow: true }, 'key-3');
    expect(second.statusCode).toBe(409);
    expect(second.json().type).toBe('/problems/idempotency-key-in-flight');
    release!();
    expect((await slow).statusCode).toBe(201);
    expect((await post({ name: 'slow', slow: true }, 'key-3')).headers['idempotent-replayed']).toBe('true');
  });

  it('scopes keys to the caller', async () => {
    const a = await post({ name: 'same' }, 'shared-key', '10.0.0.7');
    const b = await post({ name: 'same' }, 'shared-key', '10.0.0.8');
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().id).not.toBe(a.json().id);
  });

  it('stores 4xx answers but lets a 5xx be retried', async () => {
    const c1 = await post({ fail: 'conflict' }, 'key-4');
    expect(c1.statusCode).toBe(409);
    const c2 = await post({ fail: 'conflict' }, 'key-4');
    expect(c2.headers['idempotent-replayed']).toBe('true');
    expect(c2.statusCode).toBe(409);

    const before = created;
    const e1 = await post({ fail: 'crash' }, 'key-5');
    expect(e1.statusCode).toBe(500);
    expect(e1.json().detail).not.toContain('boom');
    const e2 = await post({ fail: 'crash' }, 'key-5');
    expect(e2.headers['idempotent-replayed']).toBeUndefined();
    expect(created).toBe(before + 2);
  });

  it('rejects malformed keys', async () => {
    const res = await post({}, 'x'.repeat(300));
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/invalid-idempotency-key');
  });

  it('runs every time without a key', async () => {
    const before = created;
    await post({ name: 'n' });
    await post({ name: 'n' });
    expect(created).toBe(before + 2);
  });
});

describe('stored responses', () => {
  it('are kept encrypted at rest', async () => {
    await post({ name: '机密响应' }, 'key-enc');
    const rows = await ctx.database.pool.query(
      `SELECT response_body FROM idempotency_keys WHERE key = 'key-enc'`,
    );
    expect(rows.rows[0].response_body).toMatch(/^v1\./);
    expect(rows.rows[0].response_body).not.toContain('机密响应');
  });
});

describe('NUL characters', () => {
  it('are refused in bodies and URLs with a problem document', async () => {
    const body = await app.inject({
      method: 'POST',
      url: '/test/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a\\u0000b"}',
    });
    expect(body.statusCode).toBe(400);
    expect(body.json().type).toBe('/problems/nul-character');
    const url = await app.inject('/problems/a%00b');
    expect(url.statusCode).toBe(400);
    expect(url.json().type).toBe('/problems/nul-character');
  });
});
