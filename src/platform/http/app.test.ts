import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app.js';

let app: FastifyInstance;

const fixture = useTestApp([]);
beforeAll(async () => {
  ({ app } = fixture);
});

describe('platform endpoints', () => {
  it('answers /healthz', async () => {
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('reports readiness of database and queue', async () => {
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.checks.database.status).toBe('ok');
    expect(body.checks.queue.status).toBe('ok');
    expect(body.checks.search.status).toBe('skipped');
  });

  it('answers unknown routes with a problem document and echoes the request id', async () => {
    const res = await app.inject({ url: '/v1/nothing-here', headers: { 'x-request-id': 'abc-123' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('abc-123');
    const p = res.json();
    expect(p).toMatchObject({
      type: '/problems/route-not-found',
      status: 404,
      requestId: 'abc-123',
      title: '接口不存在',
    });
  });

  it('speaks English when asked', async () => {
    const res = await app.inject({
      url: '/v1/nothing-here',
      headers: { 'accept-language': 'en-GB,en;q=0.9' },
    });
    expect(res.json().title).toBe('No such endpoint');
    expect(res.headers['content-language']).toBe('en');
  });

  it('replaces an unsafe request id with a generated one', async () => {
    const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('describes problem types at their type URI', async () => {
    const res = await app.inject('/problems/invalid-transition');
    expect(res.statusCode).toBe(200);
    expect(res.json().title.en).toMatch(/transition/);
    expect((await app.inject('/problems/no-such-problem')).statusCode).toBe(404);
  });

  it('validates path parameters against the spec', async () => {
    const res = await app.inject('/problems/NOT_VALID!');
    expect(res.statusCode).toBe(400);
    const p = res.json();
    expect(p.type).toBe('/problems/validation-failed');
    expect(p.errors[0].field).toMatch(/^params/);
  });

  it('serves the OpenAPI document and the reference page', async () => {
    const spec = await app.inject('/openapi.json');
    expect(spec.statusCode).toBe(200);
    expect(spec.json().openapi).toBe('3.1.0');
    const docs = await app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('exposes Prometheus metrics with per-route request counts', async () => {
    await app.inject('/healthz');
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/techex_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.body).toContain('techex_http_request_duration_seconds_bucket');
    expect(res.body).toContain('techex_queue_jobs');
  });

  it('sets security headers', async () => {
    const res = await app.inject('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('sends the full security header set on API answers, two headers on probes', async () => {
    const api = await app.inject('/problems/invalid-transition');
    const notFound = await app.inject('/v1/nothing-here');
    for (const res of [api, notFound]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    }
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-request-id']).toBeDefined();
    }
  });
});
