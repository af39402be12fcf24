import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, outboxJobs } from '../../platform/schema.js';
import { createClientActor } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import { application, createPoint, type Point } from '../../test/fixtures/contracts.js';
import {
  type EventHarness,
  type Receiver,
  type Subscriber,
  startEventHarness,
  subscribe,
} from '../../test/fixtures/integration-events.js';
import { findOrganisation } from '../identity/repository.js';
import { webhookDeliveries, webhookEvents } from '../integration/schema.js';
import { voucherTransactions } from '../vouchers/schema.js';
import { contractRoutes } from './routes.js';
import { contractRegistrationCounters, contractVersions } from './schema.js';

// Registration writes everything that carries the number (counter, contract, version snapshot,
// voucher request and its job, event, deliveries and their jobs, audit row) in one statement
// (repository.ts, registerInOneStatement). Many registrations at one point at once: every number
// once, no gap, and every row that carries it written with it.
let ctx: TestContext;
let app: FastifyInstance;
let harness: EventHarness;
let receiver: Receiver;
let point: Point;
let seller: Subscriber;

beforeAll(async () => {
  harness = await startEventHarness([contractRoutes]);
  ({ ctx, app, receiver } = harness);
  point = await createPoint(ctx);
  const sellerOrg = (await findOrganisation(ctx.database.db, point.applicant.organisationId!))!;
  const partner = await createClientActor(ctx, sellerOrg, ['webhooks:manage']);
  seller = await subscribe(app, receiver, partner, '/ok/registrations', ['contract.registered']);
});
afterAll(() => harness?.close());

const call = async (who: { headers: Record<string, string> }, url: string, payload?: object) => {
  const res = await app.inject({ method: 'POST', url, headers: who.headers, payload: payload ?? {} });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as Record<string, unknown>;
};

async function underReview(): Promise<string> {
  const { id } = (await call(point.applicant, '/v1/contracts', application(point))) as { id: string };
  await call(point.applicant, `/v1/contracts/${id}/submit`);
  await call(point.registrar, `/v1/contracts/${id}/take`);
  return id;
}

const register = (id: string) =>
  app.inject({
    method: 'POST',
    url: `/v1/contracts/${id}/register`,
    headers: point.registrar.headers,
    payload: {},
  });

const lastSerial = async () =>
  (
    await ctx.database.db
      .select()
      .from(contractRegistrationCounters)
      .where(eq(contractRegistrationCounters.subCentreId, point.subCentre.id))
  )[0]?.lastSerial ?? 0;

describe('registration in one statement', () => {
  it('a registration that fails inside its statement burns no number', async () => {
    const before = await lastSerial();
    const broken = await underReview();
    // A version 1 snapshot already there: the statement's snapshot insert fails, all of it rolls back.
    await ctx.database.db
      .insert(contractVersions)
      .values({ contractId: broken, version: 1, snapshot: { test: 'blocks the registration' } });
    const failed = await register(broken);
    expect(failed.statusCode).toBeGreaterThanOrEqual(400);
    expect(await lastSerial()).toBe(before);
    const stillUnderReview = await app.inject({
      method: 'GET',
      url: `/v1/contracts/${broken}`,
      headers: point.registrar.headers,
    });
    expect(stillUnderReview.json()).toMatchObject({ status: 'under_review', registrationNumber: null });
    const audits = await ctx.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.objectId, broken), eq(auditEvents.action, 'contract.register')));
    expect(audits).toEqual([]);
    const ok = await register(await underReview());
    expect(ok.statusCode, ok.body).toBe(200);
    expect(Number((ok.json().registrationNumber as string).slice(10))).toBe(before + 1);
  });

  it('40 registrations at one point at once: unique, gap-free, each with all its rows', async () => {
    const first = (await lastSerial()) + 1;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await underReview());
    const results = await Promise.all(ids.map(register));
    expect(results.map((r) => r.statusCode)).toEqual(Array(40).fill(200));
    const views = results.map((r) => r.json() as Record<string, unknown> & { registrationNumber: string });
    const numbers = views.map((v) => v.registrationNumber);
    expect(new Set(numbers).size).toBe(40);
    const year = String(new Date(Date.now() + 8 * 3600_000).getUTCFullYear());
    expect(numbers.every((n) => n.startsWith(`${year}${point.subCentre.code}`) && /^\d{16}$/.test(n))).toBe(
      true,
    );
    const serials = numbers.map((n) => Number(n.slice(10))).sort((a, b) => a - b);
    expect(serials).toEqual(Array.from({ length: 40 }, (_, i) => first + i));
    expect(await lastSerial()).toBe(first + 39);
    const numberOf = new Map(views.map((v) => [v.id as string, v.registrationNumber]));

    const db = ctx.database.db;
    // The version snapshot is the registered contract as the API reads it back.
    const versions = await db
      .select()
      .from(contractVersions)
      .where(inArray(contractVersions.contractId, ids));
    expect(versions).toHaveLength(40);
    for (const v of versions) {
      const read = await app.inject({
        method: 'GET',
        url: `/v1/contracts/${v.contractId}`,
        headers: point.registrar.headers,
      });
      expect(v.snapshot).toEqual({ ...read.json(), voucherNumber: null });
      // The voucher may or may not be issued yet: the rest is what registration answered.
      expect({ ...read.json(), voucherNumber: null }).toEqual({
        ...views.find((x) => x.id === v.contractId),
        voucherNumber: null,
      });
    }

    const audits = await db
      .select()
      .from(auditEvents)
      .where(and(inArray(auditEvents.objectId, ids), eq(auditEvents.action, 'contract.register')));
    expect(audits).toHaveLength(40);
    for (const a of audits) {
      expect(a.actorId).toBe(point.registrar.userId);
      expect(a.before).toMatchObject({ status: 'under_review', registrationNumber: null });
      expect(a.after).toMatchObject({ status: 'registered', registrationNumber: numberOf.get(a.objectId) });
    }

    const requests = await db
      .select()
      .from(voucherTransactions)
      .where(
        and(
          eq(voucherTransactions.sourceType, 'technology_contract'),
          inArray(voucherTransactions.sourceId, ids),
        ),
      );
    expect(requests).toHaveLength(40);
    for (const r of requests)
      expect((r.request as { contractRegistrationNumber: string }).contractRegistrationNumber).toBe(
        numberOf.get(r.sourceId),
      );
    const issueJobs = await db
      .select()
      .from(outboxJobs)
      .where(
        inArray(
          outboxJobs.jobId,
          requests.map((r) => `voucher-issue-${r.id}`),
        ),
      );
    expect(issueJobs).toHaveLength(40);

    const events = await db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.type, 'contract.registered'), inArray(webhookEvents.subjectId, ids)));
    expect(events).toHaveLength(40);
    for (const e of events) {
      expect(e.data).toEqual({
        id: e.subjectId,
        registrationNumber: numberOf.get(e.subjectId),
        registeredAt: expect.any(String),
      });
      expect(e.organisationIds).toContain(point.applicant.organisationId);
    }
    const deliveries = await db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.endpointId, seller.id),
          inArray(
            webhookDeliveries.eventId,
            events.map((e) => e.id),
          ),
        ),
      );
    expect(deliveries).toHaveLength(40);
    const deliveryJobs = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(outboxJobs)
      .where(
        inArray(
          outboxJobs.jobId,
          events.map((e) => `webhook-${e.id}-${seller.id}`),
        ),
      );
    expect(deliveryJobs[0]!.n).toBe(40);

    // And the vouchers are issued from those requests.
    await expect
      .poll(
        async () => {
          const got = await Promise.all(
            ids.map((id) =>
              app.inject({ method: 'GET', url: `/v1/contracts/${id}`, headers: point.registrar.headers }),
            ),
          );
          return got.filter((g) => g.json().voucherNumber).length;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(40);
  });
});
