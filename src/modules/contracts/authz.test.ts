import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { application, createPoint, type Point } from '../../test/fixtures/contracts.js';
import { contractRoutes } from './routes.js';

const fixture = useTestApp([contractRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
let point: Point;
let other: Point;
let operator: TestActor;
let contractId: string;

beforeAll(async () => {
  ({ ctx, app } = fixture);
  point = await createPoint(ctx);
  other = await createPoint(ctx);
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
  const res = await app.inject({
    method: 'POST',
    url: '/v1/contracts',
    headers: point.applicant.headers,
    payload: application(point),
  });
  contractId = res.json().id;
  await app.inject({
    method: 'POST',
    url: `/v1/contracts/${contractId}/submit`,
    headers: point.applicant.headers,
  });
});

const call = (who: TestActor | undefined, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: who?.headers ?? {},
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const url = (suffix = '') => `/v1/contracts/${contractId}${suffix}`;

describe('who sees a contract', () => {
  it('the applicant organisation, the registrars of its point and operators', async () => {
    for (const who of [point.applicant, point.registrar, operator])
      expect((await call(who, 'GET', url())).statusCode).toBe(200);
  });

  it('others get 404 for every action, so its existence does not leak', async () => {
    for (const who of [other.applicant, other.registrar]) {
      expect((await call(who, 'GET', url())).statusCode).toBe(404);
      expect((await call(who, 'PUT', url(), application(point))).statusCode).toBe(404);
      expect((await call(who, 'POST', url('/submit'))).statusCode).toBe(404);
      expect((await call(who, 'POST', url('/take'))).statusCode).toBe(404);
      expect((await call(who, 'POST', url('/refuse'), { ground: 'other', text: 'x' })).statusCode).toBe(404);
      expect((await call(who, 'GET', url('/amendments'))).statusCode).toBe(404);
    }
  });

  it('anonymous callers get 401; a token without contracts:write cannot apply', async () => {
    expect((await call(undefined, 'GET', url())).statusCode).toBe(401);
    const readOnly = await createActor(ctx, { organisation: undefined, scopes: ['contracts:read'] });
    const res = await call(readOnly, 'POST', '/v1/contracts', application(point));
    expect(res.statusCode).toBe(403);
    const noOrg = await createActor(ctx);
    expect((await call(noOrg, 'POST', '/v1/contracts', application(point))).statusCode).toBe(403);
  });
});

describe('who may act', () => {
  it('registrars and operators may not edit or submit the application (403)', async () => {
    for (const who of [point.registrar, operator]) {
      expect((await call(who, 'PUT', url(), application(point))).statusCode).toBe(403);
      expect((await call(who, 'POST', url('/submit'))).statusCode).toBe(403);
    }
  });

  it('applicants and operators may not review (403)', async () => {
    for (const who of [point.applicant, operator]) {
      expect((await call(who, 'POST', url('/take'))).statusCode).toBe(403);
      expect((await call(who, 'POST', url('/register'), {})).statusCode).toBe(403);
      expect(
        (await call(who, 'POST', url('/return'), { reasons: [{ code: 'other', message: 'x' }] })).statusCode,
      ).toBe(403);
      expect((await call(who, 'POST', url('/refuse'), { ground: 'other', text: 'x' })).statusCode).toBe(403);
      expect((await call(who, 'POST', url('/cancel'), { reason: 'x' })).statusCode).toBe(403);
    }
  });

  it('applicants may not read statistics, the tax view, rewards or the overdue list', async () => {
    for (const path of [
      '/statistics?year=2026',
      '/statistics/export?year=2026',
      '/tax-view?year=2026',
      '/rewards?year=2026',
      '/overdue',
    ])
      expect((await call(point.applicant, 'GET', `/v1/contracts${path}`)).statusCode, path).toBe(403);
  });
});

describe('lists', () => {
  it('show each caller only what it may see, a page at a time', async () => {
    for (let i = 0; i < 2; i++)
      await call(point.applicant, 'POST', '/v1/contracts', application(point, { projectName: `项目 ${i}` }));
    const first = (await call(point.applicant, 'GET', '/v1/contracts?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (
      await call(point.applicant, 'GET', `/v1/contracts?limit=2&cursor=${first.nextCursor}`)
    ).json();
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).toBe(contractId);

    const registrars = (await call(point.registrar, 'GET', '/v1/contracts?status=submitted')).json();
    expect(registrars.items.map((c: { id: string }) => c.id)).toEqual([contractId]);
    expect((await call(other.registrar, 'GET', '/v1/contracts')).json().items).toEqual([]);
    expect((await call(other.applicant, 'GET', '/v1/contracts')).json().items).toEqual([]);
    const forged = await call(
      point.applicant,
      'GET',
      `/v1/contracts?status=draft&cursor=${first.nextCursor}`,
    );
    expect(forged.statusCode).toBe(400);
  });
});
