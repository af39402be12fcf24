import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../modules/index.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';

/**
 * The edge on the real routes the schema fuzzer hit: a lone surrogate gave 500 on each of
 * these; now every one answers 400 naming the field, before any handler or database sees it.
 */
let ctx: TestContext;
let app: FastifyInstance;
let operator: TestActor;
let publisher: TestActor;

const fixture = useTestApp(
  MODULES.flatMap((m) => (m.routes ? [m.routes] : [])),
  { env: { RATE_LIMIT_MAX: '1000000' } },
);
beforeAll(async () => {
  ({ ctx, app } = fixture);
  const org = await createOrganisation(ctx, { verified: true });
  publisher = await createActor(ctx, { organisation: org, orgRole: 'org_admin' });
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
}, 60_000);

describe('ill-formed text on the real routes', () => {
  const cases: [string, string, () => TestActor, string, string][] = [
    ['POST', '/v1/needs', () => publisher, '{"title":"ab\\ud800"}', 'body/title'],
    ['POST', '/v1/achievements', () => publisher, '{"title":"ab\\ud800"}', 'body/title'],
    [
      'POST',
      '/v1/achievements/batch',
      () => publisher,
      '{"items":[{"title":"\\udfff"}]}',
      'body/items/0/title',
    ],
    ['POST', '/v1/vouchers/transactions', () => publisher, '{"productName":"x\\ud800y"}', 'body/productName'],
    ['PUT', '/v1/admin/synonyms', () => operator, '{"groups":[["ab\\ud800","cd"]]}', 'body/groups/0/0'],
  ];
  for (const [method, url, who, payload, field] of cases) {
    it(`${method} ${url} → 400 naming ${field}`, async () => {
      const res = await app.inject({
        method: method as 'POST',
        url,
        headers: { ...who().headers, 'content-type': 'application/json', 'idempotency-key': `k-${field}` },
        payload,
      });
      expect(res.statusCode, res.payload).toBe(400);
      expect(res.json()).toMatchObject({ type: '/problems/ill-formed-text', errors: [{ field }] });
    });
  }
});

describe('methods, caching on the real routes', () => {
  it('answers 405 with Allow for a method a real path lacks', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/v1/needs', headers: publisher.headers });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
  });

  it('marks GET /v1/me no-store', async () => {
    const res = await app.inject({ url: '/v1/me', headers: publisher.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
