import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { application, createPoint, type Point } from '../../test/fixtures/contracts.js';
import { nextSerial } from './repository.js';
import { contractRoutes } from './routes.js';
import { contractRegistrationCounters } from './schema.js';

const fixture = useTestApp([contractRoutes]);
let ctx: TestContext;
let app: FastifyInstance;

beforeAll(async () => {
  ({ ctx, app } = fixture);
});

async function underReview(point: Point): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/contracts',
    headers: point.applicant.headers,
    payload: application(point),
  });
  const { id } = res.json() as { id: string };
  await app.inject({ method: 'POST', url: `/v1/contracts/${id}/submit`, headers: point.applicant.headers });
  await app.inject({ method: 'POST', url: `/v1/contracts/${id}/take`, headers: point.registrar.headers });
  return id;
}

describe('registration numbers', () => {
  it('50 concurrent registrations at 2 points: no duplicate, no gap', async () => {
    const points = [await createPoint(ctx), await createPoint(ctx)];
    const work: { point: Point; id: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const point = points[i % 2]!;
      work.push({ point, id: await underReview(point) });
    }
    const results = await Promise.all(
      work.map(({ point, id }) =>
        app.inject({
          method: 'POST',
          url: `/v1/contracts/${id}/register`,
          headers: point.registrar.headers,
          payload: {},
        }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    const numbers = results.map((r) => r.json().registrationNumber as string);
    expect(new Set(numbers).size).toBe(50);
    const year = String(new Date(Date.now() + 8 * 3600_000).getUTCFullYear());
    for (const point of points) {
      const own = numbers.filter((n) => n.slice(4, 10) === point.subCentre.code);
      expect(own.every((n) => /^\d{16}$/.test(n) && n.startsWith(year))).toBe(true);
      const serials = own.map((n) => Number(n.slice(10))).sort((a, b) => a - b);
      expect(serials).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    }
  });

  it('a rolled-back registration gives its serial back', async () => {
    const point = await createPoint(ctx);
    await ctx.database.db
      .transaction(async (tx) => {
        expect(await nextSerial(tx, point.subCentre.id, 2030)).toBe(1);
        expect(await nextSerial(tx, point.subCentre.id, 2030)).toBe(2);
        throw new Error('rollback');
      })
      .catch(() => undefined);
    const serial = await ctx.database.db.transaction((tx) => nextSerial(tx, point.subCentre.id, 2030));
    expect(serial).toBe(1);
    // Another year starts its own series.
    expect(await ctx.database.db.transaction((tx) => nextSerial(tx, point.subCentre.id, 2031))).toBe(1);
  });

  it('an exhausted year refuses with 409 and leaves the counter as it was', async () => {
    const point = await createPoint(ctx);
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    const counter = (last: number) =>
      ctx.database.db
        .insert(contractRegistrationCounters)
        .values({ subCentreId: point.subCentre.id, year, lastSerial: last })
        .onConflictDoUpdate({
          target: [contractRegistrationCounters.subCentreId, contractRegistrationCounters.year],
          set: { lastSerial: last },
        });
    const lastSerial = async () =>
      (
        await ctx.database.db
          .select()
          .from(contractRegistrationCounters)
          .where(eq(contractRegistrationCounters.subCentreId, point.subCentre.id))
      )[0]!.lastSerial;
    const id = await underReview(point);
    const register = () =>
      app.inject({
        method: 'POST',
        url: `/v1/contracts/${id}/register`,
        headers: point.registrar.headers,
        payload: {},
      });
    await counter(999_999);
    const refused = await register();
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().type).toMatch(/contract-serial-exhausted$/);
    expect(await lastSerial()).toBe(999_999);
    await counter(5);
    const ok = await register();
    expect(ok.json().registrationNumber).toBe(`${year}${point.subCentre.code}000006`);
    expect(await lastSerial()).toBe(6);
  });
});
