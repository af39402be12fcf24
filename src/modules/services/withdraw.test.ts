import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { useTestApp } from '../../test/app.js';
import {
  chinaDay,
  createServicesWorld,
  injector,
  orderFrom,
  publishedOffering,
  type ServicesWorld,
} from '../../test/fixtures/services.js';
import { webhookEvents } from '../integration/schema.js';
import { servicesModule } from './module.js';

/** The institution withdraws a quote; the requester closes its request. */
const t = useTestApp([servicesModule.routes!], { outboxQueues: ['services-tests-dispatch-nothing'] });
const req = injector(() => t.app);
let w: ServicesWorld;
let offeringId: string;

beforeAll(async () => {
  w = await createServicesWorld(t.ctx);
  offeringId = (await publishedOffering(req, w)).id;
});

async function quoted() {
  const request = await req(w.buyer, 'POST', '/v1/service-requests', {
    kind: 'asset_valuation',
    title: '专利价值评估（撤回测试）',
    description: '需要评估报告',
  });
  expect(request.statusCode, request.body).toBe(201);
  const requestId = request.json().id as string;
  const q = await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, {
    offeringId,
    priceFen: 1_000_000,
    turnaroundDays: 5,
    validUntil: chinaDay(30),
  });
  expect(q.statusCode, q.body).toBe(201);
  return { requestId, quoteId: q.json().id as string };
}

const eventsOf = (subjectId: string, type: string) =>
  t.ctx.database.db
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.subjectId, subjectId), eq(webhookEvents.type, type)));

describe('withdrawing a quote', () => {
  it('is for the institution that quoted, while the request is open; a withdrawn quote cannot be accepted', async () => {
    const { requestId, quoteId } = await quoted();
    const url = `/v1/service-requests/${requestId}/quotes/${quoteId}/withdraw`;
    expect((await req(w.stranger, 'POST', url)).statusCode).toBe(404);
    expect((await req(w.buyer, 'POST', url)).statusCode).toBe(403);
    expect((await req(w.operator, 'POST', url)).statusCode).toBe(403);
    expect((await req(undefined, 'POST', url)).statusCode).toBe(401);
    const wrongRequest = (await quoted()).requestId;
    expect(
      (await req(w.institution, 'POST', `/v1/service-requests/${wrongRequest}/quotes/${quoteId}/withdraw`))
        .statusCode,
    ).toBe(404);

    const done = await req(w.institution, 'POST', url);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ id: quoteId, withdrawnAt: expect.any(String) });
    const again = await req(w.institution, 'POST', url);
    expect(again.statusCode).toBe(409);
    expect(again.json().type).toContain('service-quote-withdrawn');

    const order = await req(w.buyer, 'POST', '/v1/service-orders', { quoteId });
    expect(order.statusCode).toBe(409);
    expect(order.json().type).toContain('service-quote-withdrawn');
    const seen = (await req(w.buyer, 'GET', `/v1/service-requests/${requestId}`)).json();
    expect(seen.quotes).toEqual([expect.objectContaining({ id: quoteId, withdrawnAt: expect.any(String) })]);

    const [event] = await eventsOf(requestId, 'service-request.quote-withdrawn');
    expect(new Set(event!.organisationIds)).toEqual(new Set([w.buyerOrg.id, w.institutionOrg.id]));
    const audit = await t.ctx.database.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.objectId, requestId), eq(auditEvents.action, 'service-request.quote-withdrawn')),
      );
    expect(audit).toHaveLength(1);
  });

  it('is refused once the request was ordered (409)', async () => {
    const { requestId, quoteId } = await orderFrom(req, w, offeringId);
    const res = await req(
      w.institution,
      'POST',
      `/v1/service-requests/${requestId}/quotes/${quoteId}/withdraw`,
    );
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toContain('service-request-closed');
  });
});

describe('closing a request', () => {
  it('is for the requester, once, while open; then it takes no quote and no order', async () => {
    const { requestId, quoteId } = await quoted();
    const url = `/v1/service-requests/${requestId}/close`;
    expect((await req(w.stranger, 'POST', url)).statusCode).toBe(404);
    expect((await req(w.institution, 'POST', url)).statusCode).toBe(403);
    expect((await req(w.operator, 'POST', url)).statusCode).toBe(403);
    expect((await req(undefined, 'POST', url)).statusCode).toBe(401);

    const closed = await req(w.buyer, 'POST', url);
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ id: requestId, status: 'closed' });
    const again = await req(w.buyer, 'POST', url);
    expect(again.statusCode).toBe(409);
    expect(again.json().type).toContain('service-request-closed');

    const quote = await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, {
      offeringId,
      priceFen: 900_000,
      turnaroundDays: 5,
      validUntil: chinaDay(30),
    });
    expect(quote.statusCode).toBe(409);
    const order = await req(w.buyer, 'POST', '/v1/service-orders', { quoteId });
    expect(order.statusCode).toBe(409);
    expect(order.json().type).toContain('service-request-closed');
    const [event] = await eventsOf(requestId, 'service-request.closed');
    expect(new Set(event!.organisationIds)).toEqual(new Set([w.buyerOrg.id, w.institutionOrg.id]));

    // An ordered request cannot be closed.
    const ordered = await orderFrom(req, w, offeringId);
    const late = await req(w.buyer, 'POST', `/v1/service-requests/${ordered.requestId}/close`);
    expect(late.statusCode).toBe(409);
  });
});
