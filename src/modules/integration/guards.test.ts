import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClientActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { startReceiver } from '../../test/fixtures/integration-receiver.js';
import { postWebhook } from './http-post.js';
import { integrationRoutes } from './routes.js';
import { isBlockedAddress } from './ssrf.js';

/** SSRF refusals, organisation isolation and rate limits, with the production defaults. */
const fixture = useTestApp([integrationRoutes], { env: { RATE_LIMIT_MAX: '40' } });
let ctx: TestContext;
let app: FastifyInstance;
let a: TestActor;

beforeAll(async () => {
  ({ ctx, app } = fixture);
  a = await createClientActor(ctx, await createOrganisation(ctx), ['webhooks:manage']);
});

const create = (actor: TestActor, url: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/webhooks/subscriptions',
    headers: actor.headers,
    payload: { url, eventTypes: ['voucher.*'] },
  });

describe('the SSRF guard', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://10.1.2.3/hook',
    'http://172.16.0.1/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.100.100.200/latest/meta-data/',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[fd00:ec2::254]/hook',
    'http://[fe80::1]/hook',
    'http://localhost:8080/hook',
    'http://0.0.0.0/hook',
  ])('refuses %s', async (url) => {
    const res = await create(a, url);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: '/problems/webhook-target-not-allowed', status: 422 });
  });

  it('refuses other schemes and URLs with credentials', async () => {
    expect((await create(a, 'ftp://example.com/x')).statusCode).toBe(422);
    expect((await create(a, 'https://user:pw@example.com/x')).statusCode).toBe(422);
  });

  it('classifies addresses, including IPv4 hidden in IPv6', () => {
    for (const bad of [
      '127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2002:a00:1::1',
      '::',
    ])
      expect(isBlockedAddress(bad), bad).toBe(true);
    for (const good of ['8.8.8.8', '2400:3200::1', '::ffff:8.8.8.8'])
      expect(isBlockedAddress(good), good).toBe(false);
  });

  it('re-checks at delivery time and does not follow redirects', async () => {
    const receiver = await startReceiver();
    try {
      // DNS may change after subscribing: the connection itself refuses a loopback address.
      const refused = await postWebhook(receiver.url('/ok').replace('127.0.0.1', 'localhost'), {}, '{}', {
        allowPrivate: false,
      });
      expect(refused.status).toBeUndefined();
      expect(refused.error).toMatch(/unsafe webhook target/);
      const redirect = await postWebhook(receiver.url('/redirect'), {}, '{}', { allowPrivate: true });
      expect(redirect.status).toBe(302);
      expect(receiver.received.map((r) => r.path)).toEqual(['/redirect']);
    } finally {
      await receiver.close();
    }
  });
});

describe('subscriptions', () => {
  it('need the webhooks:manage scope', async () => {
    const noScope = await createClientActor(ctx, await createOrganisation(ctx), ['catalog:read']);
    const res = await app.inject({ url: '/v1/webhooks/subscriptions', headers: noScope.headers });
    expect(res.statusCode).toBe(403);
  });
});

describe('rate limits', () => {
  it('answer 429 problem+json with RateLimit headers, per client', async () => {
    const limited = await createClientActor(ctx, await createOrganisation(ctx), ['webhooks:manage']);
    const call = (actor: TestActor) =>
      app.inject({ url: '/v1/webhooks/event-types', headers: actor.headers });
    const first = await call(limited);
    expect(first.statusCode).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"default";q=40;w=60');
    expect(first.headers.ratelimit).toMatch(/^"default";r=39;t=\d+$/);
    for (let i = 1; i < 40; i++) expect((await call(limited)).statusCode).toBe(200);
    const refused = await call(limited);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers.ratelimit).toMatch(/^"default";r=0;t=\d+$/);
    // Another client has its own budget; platform endpoints are not limited.
    expect((await call(a)).statusCode).toBe(200);
    const other = await createClientActor(ctx, undefined, []);
    expect((await call(other)).statusCode).toBe(200);
    const health = await app.inject({ url: '/healthz', headers: limited.headers });
    expect(health.statusCode).toBe(200);
    expect(health.headers.ratelimit).toBeUndefined();
  });
});
