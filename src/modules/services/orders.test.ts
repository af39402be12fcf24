import { eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app.js';
import {
  chinaDay,
  createServicesWorld,
  injector,
  publishedOffering,
  type ServicesWorld,
  VALUATION,
} from '../../test/fixtures/services.js';
import { sha256hex } from '../../test/hashes.js';
import { webhookEvents } from '../integration/schema.js';
import { notificationsModule } from '../notifications/module.js';
import { voucherParts } from '../vouchers/jobs.js';
import { vouchers, voucherTransactions } from '../vouchers/schema.js';
import { servicesModule } from './module.js';

/** One order walked through the API from request to voucher, with its inbox lines and events. */
const t = useTestApp([servicesModule.routes!, notificationsModule.routes!], {
  outboxQueues: ['services-tests-dispatch-nothing'],
});
const req = injector(() => t.app);
let w: ServicesWorld;

beforeAll(async () => {
  w = await createServicesWorld(t.ctx);
});

describe('a service order from request to voucher', () => {
  it('is requested, matched, quoted, ordered, delivered, accepted, rated, closed and gets its voucher', async () => {
    const { id: offeringId } = await publishedOffering(req, w);
    // The published offering is public.
    const pub = await req(undefined, 'GET', `/v1/service-offerings/${offeringId}`);
    expect(pub.statusCode, pub.body).toBe(200);
    expect(pub.json()).toMatchObject({ status: 'published', kindLabel: '资产评估', rating: { count: 0 } });
    const listed = await req(
      undefined,
      'GET',
      `/v1/service-offerings?kind=asset_valuation&regionCode=320506&organisationId=${w.institutionOrg.id}`,
    );
    expect(listed.json().items.map((o: { id: string }) => o.id)).toEqual([offeringId]);

    // The buyer describes its need (suggestions are ranked by the search engine: suggestions.test.ts).
    const created = await req(w.buyer, 'POST', '/v1/service-requests', {
      kind: 'asset_valuation',
      title: '发明专利价值评估',
      description: '专利许可前需要评估报告',
      fieldCodes: ['04'],
      regionCode: '320506',
    });
    expect(created.statusCode, created.body).toBe(201);
    const requestId = created.json().id as string;
    expect((await req(w.buyer, 'GET', `/v1/service-requests/${requestId}/suggestions`)).statusCode).toBe(200);

    // The institution sees the open request and quotes.
    const open = (await req(w.institution, 'GET', '/v1/service-requests?role=open&limit=100')).json();
    expect(open.items.map((r: { id: string }) => r.id)).toContain(requestId);
    const quote = await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, {
      offeringId,
      priceFen: 3_500_000,
      turnaroundDays: 5,
      validUntil: chinaDay(14),
      note: '含现场尽调',
    });
    expect(quote.statusCode, quote.body).toBe(201);
    const withQuotes = (await req(w.buyer, 'GET', `/v1/service-requests/${requestId}`)).json();
    expect(withQuotes.quotes.map((q: { id: string }) => q.id)).toEqual([quote.json().id]);

    // Accepting the quote makes the order, due 5 working days later on the holiday calendar.
    const made = await req(w.buyer, 'POST', '/v1/service-orders', { quoteId: quote.json().id });
    expect(made.statusCode, made.body).toBe(201);
    const order = made.json();
    expect(order).toMatchObject({
      status: 'accepted',
      priceFen: 3_500_000,
      buyerOrganisationId: w.buyerOrg.id,
    });
    expect(order.dueDate > chinaDay(4)).toBe(true);
    expect(order.history[0]).toMatchObject({ action: 'accept', fromStatus: 'quoted', toStatus: 'accepted' });
    const id = order.id as string;

    const step = async (who: typeof w.buyer, action: string, body: object = {}) => {
      const res = await req(who, 'POST', `/v1/service-orders/${id}/${action}`, body);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    expect((await step(w.institution, 'start')).status).toBe('in_progress');
    const progressed = await step(w.institution, 'milestones', { title: '完成现场尽调' });
    expect(progressed.milestones.map((m: { title: string }) => m.title)).toEqual(['完成现场尽调']);
    const report = { name: '资产评估报告.pdf', sha256: sha256hex(`report-${id}`) };
    const delivered = await step(w.institution, 'deliver', { deliverables: [report] });
    expect(delivered).toMatchObject({ status: 'delivered', deliverables: [report] });
    expect(delivered.allowedActions).toEqual([]); // the institution waits for the buyer
    const asBuyer = (await req(w.buyer, 'GET', `/v1/service-orders/${id}`)).json();
    expect(asBuyer.allowedActions).toEqual(['approve', 'dispute']);
    expect((await step(w.buyer, 'approve')).status).toBe('accepted_by_buyer');
    const rated = await step(w.buyer, 'rating', { score: 5, text: '报告专业，交付及时' });
    expect(rated.rating).toMatchObject({ score: 5, text: '报告专业，交付及时' });
    expect((await step(w.institution, 'rating/reply', { text: '感谢认可' })).ratingReply.text).toBe(
      '感谢认可',
    );
    const offering = (await req(undefined, 'GET', `/v1/service-offerings/${offeringId}`)).json();
    expect(offering.rating).toEqual({ count: 1, average: 5 });

    const closed = await step(w.buyer, 'close');
    expect(closed).toMatchObject({ status: 'closed', voucherNumber: null });
    expect(closed.history.map((e: { action: string }) => e.action)).toEqual([
      'accept',
      'start',
      'milestone',
      'deliver',
      'approve',
      'rate',
      'reply',
      'close',
    ]);

    // The voucher: type service_order, issued by the buyer's sub-centre, the report's hash in it.
    const parts = voucherParts(t.ctx);
    await parts.keyring.ensure();
    await parts.issuer.sweep(5000);
    const issued = (await req(w.buyer, 'GET', `/v1/service-orders/${id}`)).json();
    expect(issued.voucherNumber).toMatch(/^TXV-\d{4}-[0-9A-Z]{10}-[0-9A-Z]$/);
    const [tx] = await t.ctx.database.db
      .select({ request: voucherTransactions.request })
      .from(voucherTransactions)
      .innerJoin(vouchers, eq(vouchers.transactionId, voucherTransactions.id))
      .where(eq(vouchers.number, issued.voucherNumber));
    expect(tx!.request).toMatchObject({
      type: 'service_order',
      sourceType: 'service_order',
      sourceId: id,
      issuingSubCentre: { code: w.subB.code },
      amounts: { contractValueFen: 3_500_000, transactionAmountFen: 3_500_000 },
      documentHashes: [report],
      parties: [
        { role: 'seller', creditCode: w.institutionOrg.creditCode },
        { role: 'buyer', creditCode: w.buyerOrg.creditCode },
      ],
    });

    // Both inboxes heard of every step; each step is a webhook event to both organisations.
    for (const who of [w.buyer, w.institution]) {
      const inbox = (await req(who, 'GET', '/v1/notifications?limit=100')).json();
      const kinds = inbox.items
        .filter((n: { data: { orderId?: string } }) => n.data.orderId === id)
        .map((n: { kind: string }) => n.kind);
      expect(kinds.sort()).toEqual(
        ['accept', 'approve', 'close', 'deliver', 'milestone', 'rate', 'reply', 'start'].map(
          (s) => `service-order.${s}`,
        ),
      );
    }
    const events = await t.ctx.database.db
      .select({
        type: webhookEvents.type,
        organisationIds: webhookEvents.organisationIds,
        data: webhookEvents.data,
      })
      .from(webhookEvents)
      .where(inArray(webhookEvents.subjectId, [id]));
    expect(events.map((e) => e.type).sort()).toEqual([
      'service-order.accepted-by-buyer',
      'service-order.closed',
      'service-order.created',
      'service-order.delivered',
      'service-order.milestone',
      'service-order.rated',
      'service-order.rating-answered',
      'service-order.started',
    ]);
    for (const e of events)
      expect(new Set(e.organisationIds)).toEqual(new Set([w.buyerOrg.id, w.institutionOrg.id]));
    const deliveredEvent = events.find((e) => e.type === 'service-order.delivered')!;
    expect(deliveredEvent.data).toMatchObject({
      orderId: id,
      status: 'delivered',
      deliverableHashes: [report.sha256],
    });
    expect(JSON.stringify(deliveredEvent.data)).not.toContain(report.name);
    // Webhook data carries ids and codes, not the rating text.
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain('报告专业');
  });
});

describe('offering kinds keep their labels', () => {
  it('lists the qualification with the offering', async () => {
    const { id } = await publishedOffering(req, w, { title: `评估-${t.ctx.tag}` });
    const res = await req(w.stranger, 'GET', `/v1/service-offerings/${id}`);
    expect(res.json().qualification).toEqual(VALUATION.qualification);
  });
});
