import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createClientActor, createOrganisation } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import { needFixture } from '../../test/fixtures/catalog.js';
import {
  chinaDay,
  createServicesWorld,
  injector,
  orderFrom,
  publishedOffering,
  type ServicesWorld,
  VALUATION,
} from '../../test/fixtures/services.js';
import { sha256hex } from '../../test/hashes.js';
import { randomCreditCode } from '../../test/ids.js';
import { catalogModule } from '../catalog/module.js';
import { voucherTransactions } from '../vouchers/schema.js';
import { servicesModule } from './module.js';
import { serviceOfferings, serviceOrders } from './schema.js';

/** Who may do what, and what is refused: offerings, requests and quotes, order steps, ratings, disputes, overdue. */
const t = useTestApp([servicesModule.routes!, catalogModule.routes!], {
  outboxQueues: ['services-tests-dispatch-nothing'],
});
const req = injector(() => t.app);
let w: ServicesWorld;
let offeringId: string;

beforeAll(async () => {
  w = await createServicesWorld(t.ctx);
  offeringId = (await publishedOffering(req, w)).id;
});

const problem = (res: { statusCode: number; json(): { type?: string } }) => [res.statusCode, res.json().type];
const report = (s: string) => ({ name: '报告.pdf', sha256: sha256hex(s) });

describe('offerings', () => {
  it('are offered only by verified service institutions with the qualification their kind needs', async () => {
    expect(problem(await req(w.buyer, 'POST', '/v1/service-offerings', VALUATION))).toEqual([
      403,
      '/problems/service-institution-required',
    ]);
    const { qualification: _q, ...unlicensed } = VALUATION;
    expect(problem(await req(w.institution, 'POST', '/v1/service-offerings', unlicensed))).toEqual([
      422,
      '/problems/service-qualification-missing',
    ]);
    const lapsed = { ...VALUATION, qualification: { licenceNo: 'X-1', validUntil: chinaDay(-1) } };
    expect(problem(await req(w.institution, 'POST', '/v1/service-offerings', lapsed))).toEqual([
      422,
      '/problems/service-qualification-expired',
    ]);
    // Kinds that need no licence take none.
    const search = { ...unlicensed, kind: 'ip_search' };
    expect((await req(w.institution, 'POST', '/v1/service-offerings', search)).statusCode).toBe(201);
  });

  it('refuse a price that does not fit the price model, and unknown kinds', async () => {
    const quoteWithPrice = { ...VALUATION, priceModel: 'quote' };
    expect((await req(w.institution, 'POST', '/v1/service-offerings', quoteWithPrice)).statusCode).toBe(400);
    const { priceFen: _p, ...fixedWithout } = { ...VALUATION, priceModel: 'fixed' };
    expect((await req(w.institution, 'POST', '/v1/service-offerings', fixedWithout)).statusCode).toBe(400);
    const unknown = { ...VALUATION, kind: 'astrology' };
    expect((await req(w.institution, 'POST', '/v1/service-offerings', unknown)).statusCode).toBe(400);
    const tooLong = { ...VALUATION, title: '评'.repeat(201) };
    expect((await req(w.institution, 'POST', '/v1/service-offerings', tooLong)).statusCode).toBe(400);
  });

  it('are reviewed by the institution sub-centre, hidden until published, and a lapsed licence stops them', async () => {
    const created = await req(w.institution, 'POST', '/v1/service-offerings', VALUATION);
    const id = created.json().id as string;
    expect((await req(w.stranger, 'GET', `/v1/service-offerings/${id}`)).statusCode).toBe(404);
    expect((await req(undefined, 'GET', `/v1/service-offerings/${id}`)).statusCode).toBe(401);
    // Publishing a draft: 409 with what the state allows.
    const early = await req(w.registrarA, 'POST', `/v1/service-offerings/${id}/publish`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ currentState: 'draft', allowedActions: ['submit'] });
    expect((await req(w.institution, 'POST', `/v1/service-offerings/${id}/submit`, {})).statusCode).toBe(200);
    // The institution cannot publish its own; another sub-centre's registrar does not see it.
    expect((await req(w.institution, 'POST', `/v1/service-offerings/${id}/publish`, {})).statusCode).toBe(
      403,
    );
    expect((await req(w.registrarB, 'POST', `/v1/service-offerings/${id}/publish`, {})).statusCode).toBe(404);
    expect((await req(w.registrarA, 'POST', `/v1/service-offerings/${id}/reject`, {})).statusCode).toBe(400);
    const rejected = await req(w.registrarA, 'POST', `/v1/service-offerings/${id}/reject`, {
      reason: '资质证明不清晰',
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected', rejectReason: '资质证明不清晰' });
    // The licence lapsed meanwhile (set in the row: the calendar cannot be moved through the API).
    await t.ctx.database.db
      .update(serviceOfferings)
      .set({ qualification: { licenceNo: 'X-1', validUntil: chinaDay(-1) } })
      .where(eq(serviceOfferings.id, id));
    expect(problem(await req(w.institution, 'POST', `/v1/service-offerings/${id}/submit`, {}))).toEqual([
      422,
      '/problems/service-qualification-expired',
    ]);
    const mine = (await req(w.institution, 'GET', '/v1/service-offerings?mine=true&limit=100')).json();
    expect(mine.items.map((o: { id: string }) => o.id)).toContain(id);
    const pub = (
      await req(undefined, 'GET', `/v1/service-offerings?organisationId=${w.institutionOrg.id}&limit=100`)
    ).json();
    expect(pub.items.map((o: { id: string }) => o.id)).not.toContain(id);
  });
});

describe('requests and quotes', () => {
  it('check the subject belongs to the requester and hide requests from strangers', async () => {
    const bad = await req(w.buyer, 'POST', '/v1/service-requests', {
      kind: 'asset_valuation',
      title: '评估',
      description: '评估',
      subject: { type: 'achievement', id: '0190a000-0000-7000-8000-000000000001' },
    });
    expect(problem(bad)).toEqual([422, '/problems/service-subject-invalid']);
    // The buyer's own need may be the subject; the stranger may not name it.
    const need = await req(w.buyer, 'POST', '/v1/needs', needFixture(Date.now() % 1e6));
    expect(need.statusCode, need.body).toBe(201);
    const about = {
      kind: 'ip_search',
      title: '需求的专利检索',
      description: '检索',
      subject: { type: 'need', id: need.json().id },
    };
    const own = await req(w.buyer, 'POST', '/v1/service-requests', about);
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json().subject).toEqual(about.subject);
    expect(problem(await req(w.stranger, 'POST', '/v1/service-requests', about))).toEqual([
      422,
      '/problems/service-subject-invalid',
    ]);
    const { requestId } = await orderFrom(req, w, offeringId);
    expect((await req(w.stranger, 'GET', `/v1/service-requests/${requestId}`)).statusCode).toBe(404);
    expect((await req(w.stranger, 'GET', `/v1/service-requests/${requestId}/suggestions`)).statusCode).toBe(
      404,
    );
  });

  it('take quotes only from institutions with a published offering of the kind, valid, while open', async () => {
    const created = await req(w.buyer, 'POST', '/v1/service-requests', {
      kind: 'asset_valuation',
      title: '股权融资前的技术估值',
      description: '估值',
    });
    const requestId = created.json().id as string;
    const body = { offeringId, priceFen: 100, turnaroundDays: 3, validUntil: chinaDay(5) };
    // The stranger offers nothing: the request does not exist for it.
    expect((await req(w.stranger, 'POST', `/v1/service-requests/${requestId}/quotes`, body)).statusCode).toBe(
      404,
    );
    expect((await req(w.buyer, 'POST', `/v1/service-requests/${requestId}/quotes`, body)).statusCode).toBe(
      403,
    );
    const past = await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, {
      ...body,
      validUntil: chinaDay(-1),
    });
    expect(problem(past)).toEqual([422, '/problems/service-quote-expired']);
    const other = await req(w.institution, 'POST', '/v1/service-offerings', {
      ...VALUATION,
      kind: 'ip_search',
      qualification: undefined,
    });
    const wrongKind = await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, {
      ...body,
      offeringId: other.json().id,
    });
    expect(problem(wrongKind)).toEqual([422, '/problems/service-offering-not-quotable']);
    const q = await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, body);
    expect(q.statusCode, q.body).toBe(201);
    expect((await req(w.stranger, 'POST', '/v1/service-orders', { quoteId: q.json().id })).statusCode).toBe(
      404,
    );
    expect((await req(w.buyer, 'POST', '/v1/service-orders', { quoteId: q.json().id })).statusCode).toBe(201);
    // One order per request; no more quotes once ordered.
    const again = await req(w.buyer, 'POST', '/v1/service-orders', { quoteId: q.json().id });
    expect(problem(again)).toEqual([409, '/problems/service-quote-already-ordered']);
    expect(
      problem(await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, body)),
    ).toEqual([409, '/problems/service-request-closed']);
  });
});

describe('order steps', () => {
  it('are taken by the right side in the right state; others get 403, 404 or 409', async () => {
    const { order } = await orderFrom(req, w, offeringId);
    const at = (action: string) => `/v1/service-orders/${order.id}/${action}`;
    expect((await req(w.stranger, 'GET', `/v1/service-orders/${order.id}`)).statusCode).toBe(404);
    expect((await req(w.stranger, 'POST', at('start'), {})).statusCode).toBe(404);
    expect((await req(w.registrarA, 'GET', `/v1/service-orders/${order.id}`)).statusCode).toBe(404);
    expect((await req(w.registrarB, 'GET', `/v1/service-orders/${order.id}`)).statusCode).toBe(200);
    expect((await req(w.buyer, 'POST', at('start'), {})).statusCode).toBe(403);
    const early = await req(w.institution, 'POST', at('deliver'), { deliverables: [report('x')] });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ currentState: 'accepted', allowedActions: ['start', 'cancel'] });
    expect((await req(w.buyer, 'POST', at('rating'), { score: 5, text: '好' })).statusCode).toBe(409);
    expect((await req(w.institution, 'POST', at('start'), {})).statusCode).toBe(200);
    expect((await req(w.institution, 'POST', at('deliver'), {})).statusCode).toBe(400);
    const badHash = { deliverables: [{ name: 'a.pdf', sha256: 'not-a-hash' }] };
    expect((await req(w.institution, 'POST', at('deliver'), badHash)).statusCode).toBe(400);
    expect((await req(w.buyer, 'POST', at('cancel'), {})).statusCode).toBe(400);
    expect((await req(w.buyer, 'POST', at('cancel'), { reason: { code: 'other' } })).statusCode).toBe(400);
    const cancelled = await req(w.buyer, 'POST', at('cancel'), { reason: { code: 'buyer_changed_plans' } });
    expect(cancelled.json()).toMatchObject({
      status: 'cancelled',
      cancelReason: { code: 'buyer_changed_plans' },
    });
    expect(
      (await req(w.institution, 'POST', at('deliver'), { deliverables: [report('y')] })).statusCode,
    ).toBe(409);
  });

  it('let the buyer rate a delivered order once and the institution answer once', async () => {
    const { order } = await orderFrom(req, w, offeringId);
    const at = (action: string) => `/v1/service-orders/${order.id}/${action}`;
    await req(w.institution, 'POST', at('start'), {});
    await req(w.institution, 'POST', at('deliver'), { deliverables: [report(order.id)] });
    expect((await req(w.institution, 'POST', at('rating/reply'), { text: '谢谢' })).statusCode).toBe(409);
    expect((await req(w.buyer, 'POST', at('rating'), { score: 6, text: '好' })).statusCode).toBe(400);
    expect((await req(w.institution, 'POST', at('rating'), { score: 1, text: '自评' })).statusCode).toBe(403);
    const before = (await req(undefined, 'GET', `/v1/service-offerings/${offeringId}`)).json().rating.count;
    expect((await req(w.buyer, 'POST', at('rating'), { score: 3, text: '一般' })).statusCode).toBe(200);
    expect(problem(await req(w.buyer, 'POST', at('rating'), { score: 5, text: '改评' }))).toEqual([
      409,
      '/problems/service-order-already-rated',
    ]);
    const after = (await req(undefined, 'GET', `/v1/service-offerings/${offeringId}`)).json().rating.count;
    expect(after).toBe(before + 1);
    expect((await req(w.buyer, 'POST', at('rating/reply'), { text: '回复' })).statusCode).toBe(403);
    expect((await req(w.institution, 'POST', at('rating/reply'), { text: '感谢' })).statusCode).toBe(200);
    expect(problem(await req(w.institution, 'POST', at('rating/reply'), { text: '再谢' }))).toEqual([
      409,
      '/problems/service-order-already-replied',
    ]);
  });

  it('take a dispute to the buyer sub-centre, which resolves and closes it without a voucher', async () => {
    const { order } = await orderFrom(req, w, offeringId);
    const at = (action: string) => `/v1/service-orders/${order.id}/${action}`;
    await req(w.institution, 'POST', at('start'), {});
    await req(w.institution, 'POST', at('deliver'), { deliverables: [report(`d-${order.id}`)] });
    expect((await req(w.buyer, 'POST', at('dispute'), {})).statusCode).toBe(400);
    const disputed = await req(w.buyer, 'POST', at('dispute'), { note: '报告未覆盖全部专利' });
    expect(disputed.json()).toMatchObject({ status: 'disputed', dispute: { reason: '报告未覆盖全部专利' } });
    const resolution = { outcome: 'institution_upheld', note: '报告范围与报价一致' };
    expect((await req(w.institution, 'POST', at('resolve'), resolution)).statusCode).toBe(403);
    expect((await req(w.registrarA, 'POST', at('resolve'), resolution)).statusCode).toBe(404);
    expect((await req(w.registrarB, 'POST', at('resolve'), { note: '缺结论' })).statusCode).toBe(400);
    const resolved = await req(w.registrarB, 'POST', at('resolve'), resolution);
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({
      status: 'closed',
      dispute: { resolution: { outcome: 'institution_upheld' } },
    });
    expect(resolved.json().history.at(-1)).toMatchObject({ action: 'resolve', fromStatus: 'disputed' });
    const vouchers = await t.ctx.database.db
      .select()
      .from(voucherTransactions)
      .where(eq(voucherTransactions.sourceId, order.id));
    expect(vouchers).toEqual([]);
  });
});

describe('the overdue list', () => {
  it("shows running orders past their due date to the buyer's sub-centre only", async () => {
    const { order } = await orderFrom(req, w, offeringId);
    const other = await orderFrom(req, w, offeringId);
    // Ten working days have not passed in a test: move the due date into the past in the row.
    await t.ctx.database.db
      .update(serviceOrders)
      .set({ dueDate: chinaDay(-2) })
      .where(eq(serviceOrders.id, order.id));
    const ids = async (who: typeof w.buyer) => {
      const res = await req(who, 'GET', '/v1/service-orders/overdue?limit=100');
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((o: { id: string }) => o.id) as string[];
    };
    expect(await ids(w.registrarB)).toContain(order.id);
    expect(await ids(w.registrarB)).not.toContain(other.order.id);
    expect(await ids(w.operator)).toContain(order.id);
    expect(await ids(w.registrarA)).not.toContain(order.id);
    expect((await req(w.buyer, 'GET', '/v1/service-orders/overdue')).statusCode).toBe(403);
    // Delivered late is no longer running: it leaves the list.
    await req(w.institution, 'POST', `/v1/service-orders/${order.id}/start`, {});
    await req(w.institution, 'POST', `/v1/service-orders/${order.id}/deliver`, {
      deliverables: [report('late')],
    });
    expect(await ids(w.registrarB)).not.toContain(order.id);
  });
});

describe("a partner institution's own system", () => {
  it('takes and updates orders over the API with a client of the institution (scope services:write)', async () => {
    const { order } = await orderFrom(req, w, offeringId);
    const partner = await createClientActor(t.ctx, w.institutionOrg, ['services:write']);
    const scopeless = await createClientActor(t.ctx, w.institutionOrg, ['catalog:read']);
    const at = (action: string) => `/v1/service-orders/${order.id}/${action}`;
    expect((await req(scopeless, 'POST', at('start'), {})).statusCode).toBe(403);
    const list = (
      await req(partner, 'GET', '/v1/service-orders?role=institution&status=accepted&limit=100')
    ).json();
    expect(list.items.map((o: { id: string }) => o.id)).toContain(order.id);
    expect((await req(partner, 'POST', at('start'), {})).statusCode).toBe(200);
    const delivered = await req(partner, 'POST', at('deliver'), { deliverables: [report(`p-${order.id}`)] });
    expect(delivered.statusCode, delivered.body).toBe(200);
    expect(delivered.json().history.at(-1)).toMatchObject({ action: 'deliver', actorType: 'client' });
  });
});

describe('lists', () => {
  it('show each organisation its own orders and requests, and institutions the open requests they can quote', async () => {
    const { order, requestId } = await orderFrom(req, w, offeringId);
    const ids = async (who: typeof w.buyer, url: string) => {
      const res = await req(who, 'GET', url);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((o: { id: string }) => o.id) as string[];
    };
    expect(await ids(w.buyer, '/v1/service-orders?role=buyer&limit=100')).toContain(order.id);
    expect(await ids(w.institution, '/v1/service-orders?role=institution&limit=100')).toContain(order.id);
    expect(await ids(w.buyer, '/v1/service-orders?role=institution&limit=100')).not.toContain(order.id);
    expect(await ids(w.stranger, '/v1/service-orders?limit=100')).not.toContain(order.id);
    expect(await ids(w.buyer, '/v1/service-requests?limit=100')).toContain(requestId);
    expect(await ids(w.stranger, '/v1/service-requests?limit=100')).not.toContain(requestId);
    expect(await ids(w.stranger, '/v1/service-requests?role=open&limit=100')).toEqual([]);
    // Ordered: no longer open to quotes.
    expect(await ids(w.institution, '/v1/service-requests?role=open&limit=100')).not.toContain(requestId);
    // Cursor pagination: two pages of one never repeat an order.
    const first = (await req(w.buyer, 'GET', '/v1/service-orders?role=buyer&limit=1')).json();
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await req(w.buyer, 'GET', `/v1/service-orders?role=buyer&limit=1&cursor=${first.nextCursor}`)
    ).json();
    expect(second.items[0].id < first.items[0].id).toBe(true);
  });
});

describe('unverified organisations', () => {
  it('may not describe requests (一次认证 first)', async () => {
    const org = await createOrganisation(t.ctx, { creditCode: randomCreditCode() });
    const who = await createActor(t.ctx, { organisation: org });
    const res = await req(who, 'POST', '/v1/service-requests', {
      kind: 'legal',
      title: '咨询',
      description: '咨询',
    });
    expect(problem(res)).toEqual([403, '/problems/service-organisation-unverified']);
  });
});
