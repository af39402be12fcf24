import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createClientActor, type TestActor } from '../../test/actors.js';
import { useOfferingIndex } from '../../test/fixtures/offering-index.js';
import { chinaDay, publishedOffering, type ServicesWorld, VALUATION } from '../../test/fixtures/services.js';
import { catalogModule } from '../catalog/module.js';
import { servicesModule } from './module.js';

/**
 * Issue 16: a published offering is corrected with `PUT` like a published listing — it stays
 * published, the search index and the change feed follow, quotes and orders keep their price.
 */
const index = useOfferingIndex([catalogModule.routes!, servicesModule.routes!]);
const { t, req, until } = index;
let w: ServicesWorld;
let feedReader: TestActor;

beforeAll(async () => {
  ({ w } = index);
  feedReader = await createClientActor(t.ctx, w.buyerOrg, ['changes:read']);
});

/** The offering ids `GET /v1/service-offerings?q=` finds among the institution's. */
const found = async (q: string) => {
  const res = await req(
    undefined,
    'GET',
    `/v1/service-offerings?organisationId=${w.institutionOrg.id}&q=${encodeURIComponent(q)}&limit=100`,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items.map((x: { id: string }) => x.id) as string[];
};

const searchHas = (id: string, q: string, present: boolean) =>
  until(
    `offering ${id} ${present ? 'found' : 'not found'} by ${q}`,
    async () => (await found(q)).includes(id) === present,
  );

/** The feed's current end (all pages read), and the changes after a position. */
async function feedAfter(cursor?: string) {
  const items: { type: string; id: string; change: string }[] = [];
  for (;;) {
    const res = await req(
      feedReader,
      'GET',
      `/v1/changes?types=service_offering&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as { items: typeof items; nextCursor: string };
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!page.items.length) return { items, cursor };
  }
}

const EDITED = {
  ...VALUATION,
  title: '知识产权质押融资评估',
  description: '为银行质押贷款出具知识产权价值评估报告，覆盖商标与软件著作权。',
  priceFen: 2_500_000,
  turnaroundDays: 7,
  regionCodes: ['320000', '310000'],
  fieldCodes: ['01'],
  qualification: { licenceNo: '苏财资评备〔2026〕7号', validUntil: '2099-12-31' },
};

describe('editing a published offering', () => {
  it('keeps it published, audits it, re-indexes the new text and records `updated` in the feed', async () => {
    const { id } = await publishedOffering(req, w);
    await searchHas(id, '无形资产', true);
    const start = (await feedAfter()).cursor;

    const res = await req(w.institution, 'PUT', `/v1/service-offerings/${id}`, EDITED);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'published',
      title: EDITED.title,
      priceFen: 2_500_000,
      turnaroundDays: 7,
    });
    const seen = (await req(undefined, 'GET', `/v1/service-offerings/${id}`)).json();
    expect(seen).toMatchObject({
      status: 'published',
      title: EDITED.title,
      regionCodes: ['320000', '310000'],
    });

    // the search engine follows: the new words find it, the replaced ones no longer do
    await searchHas(id, '质押融资', true);
    await searchHas(id, '无形资产', false);

    const audit = await t.ctx.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.objectId, id), eq(auditEvents.action, 'service-offering.update')));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.before).toMatchObject({
      status: 'published',
      title: VALUATION.title,
      priceFen: 2_000_000,
    });
    expect(audit[0]!.after).toMatchObject({ status: 'published', title: EDITED.title, priceFen: 2_500_000 });

    const changes = (await feedAfter(start)).items.filter((c) => c.id === id);
    expect(changes.map((c) => `${c.type}:${c.change}`)).toEqual(['service_offering:updated']);
  });

  it('refuses a change of kind (422 service-offering-kind-fixed) and changes nothing', async () => {
    const { id } = await publishedOffering(req, w);
    const res = await req(w.institution, 'PUT', `/v1/service-offerings/${id}`, {
      ...EDITED,
      kind: 'ip_search',
      qualification: undefined,
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().type).toContain('service-offering-kind-fixed');
    const seen = (await req(undefined, 'GET', `/v1/service-offerings/${id}`)).json();
    expect(seen).toMatchObject({ kind: 'asset_valuation', title: VALUATION.title });
  });

  it('checks the input as when drafting: an expired qualification is 422', async () => {
    const { id } = await publishedOffering(req, w);
    const res = await req(w.institution, 'PUT', `/v1/service-offerings/${id}`, {
      ...EDITED,
      qualification: { licenceNo: '苏财资评备〔2020〕1号', validUntil: chinaDay(-1) },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().type).toContain('service-qualification-expired');
  });

  it('is the institution’s only: another organisation 403, a reviewer 403, anonymous 401', async () => {
    const { id } = await publishedOffering(req, w);
    for (const who of [w.stranger, w.buyer, w.registrarA, w.operator]) {
      const res = await req(who, 'PUT', `/v1/service-offerings/${id}`, EDITED);
      expect(res.statusCode, res.body).toBe(403);
    }
    expect((await req(undefined, 'PUT', `/v1/service-offerings/${id}`, EDITED)).statusCode).toBe(401);
    expect((await req(undefined, 'GET', `/v1/service-offerings/${id}`)).json().title).toBe(VALUATION.title);
  });

  it('leaves submitted and withdrawn offerings not editable (422)', async () => {
    const created = await req(w.institution, 'POST', '/v1/service-offerings', VALUATION);
    const submitted = created.json().id as string;
    await req(w.institution, 'POST', `/v1/service-offerings/${submitted}/submit`, {});
    const { id: withdrawn } = await publishedOffering(req, w);
    await req(w.institution, 'POST', `/v1/service-offerings/${withdrawn}/withdraw`, {});
    for (const id of [submitted, withdrawn]) {
      const res = await req(w.institution, 'PUT', `/v1/service-offerings/${id}`, EDITED);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().type).toContain('service-offering-not-editable');
    }
  });

  it('leaves quotes and orders at the price they were made at', async () => {
    const { id } = await publishedOffering(req, w);
    const need = {
      kind: 'asset_valuation',
      title: '专利许可前的价值评估',
      description: '拟将一项发明专利许可给企业，需要出具评估报告。',
      fieldCodes: ['01'],
      regionCode: '320500',
    };
    const quoteOn = async () => {
      const r = await req(w.buyer, 'POST', '/v1/service-requests', need);
      expect(r.statusCode, r.body).toBe(201);
      const q = await req(w.institution, 'POST', `/v1/service-requests/${r.json().id}/quotes`, {
        offeringId: id,
        priceFen: 3_000_000,
        turnaroundDays: 10,
        validUntil: chinaDay(30),
      });
      expect(q.statusCode, q.body).toBe(201);
      return { requestId: r.json().id as string, quoteId: q.json().id as string };
    };
    const ordered = await quoteOn();
    const order = await req(w.buyer, 'POST', '/v1/service-orders', { quoteId: ordered.quoteId });
    expect(order.statusCode, order.body).toBe(201);
    const pending = await quoteOn();

    const edit = await req(w.institution, 'PUT', `/v1/service-offerings/${id}`, {
      ...EDITED,
      priceModel: 'fixed',
      priceFen: 9_000_000,
    });
    expect(edit.statusCode, edit.body).toBe(200);

    const orderSeen = await req(w.buyer, 'GET', `/v1/service-orders/${order.json().id}`);
    expect(orderSeen.json().priceFen).toBe(3_000_000);
    const quotes = (await req(w.buyer, 'GET', `/v1/service-requests/${pending.requestId}`)).json().quotes;
    expect(quotes).toEqual([expect.objectContaining({ id: pending.quoteId, priceFen: 3_000_000 })]);
    // the quote made before the edit is accepted at its own price, not the offering's new one
    const later = await req(w.buyer, 'POST', '/v1/service-orders', { quoteId: pending.quoteId });
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json().priceFen).toBe(3_000_000);
  });
});
