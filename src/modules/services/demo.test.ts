import { describe, expect, it } from 'vitest';
import { createActor, createOrganisation, createSubCentre } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import { randomCreditCode } from '../../test/ids.js';
import { seedServicesDemo } from './demo.js';
import { servicesModule } from './module.js';

/** The demo marketplace: offerings for the institutions, orders in each running state, through the API's views. */
const t = useTestApp([servicesModule.routes!], { outboxQueues: ['services-tests-dispatch-nothing'] });

describe('the services demo data', () => {
  it('publishes an offering per recognised institution and orders in several states', async () => {
    const sub = await createSubCentre(t.ctx);
    const inst = (name: string) =>
      createOrganisation(t.ctx, {
        type: 'service_institution',
        name,
        subCentre: sub,
        creditCode: randomCreditCode(sub.code),
      });
    const institutions = [
      await inst(`江苏演示资产评估有限公司${t.ctx.tag}`),
      await inst(`演示知识产权代理有限公司${t.ctx.tag}`),
      await inst(`演示咨询有限公司${t.ctx.tag}`), // no recognised kind: no offering
    ];
    const buyer = await createOrganisation(t.ctx, {
      subCentre: sub,
      verified: true,
      creditCode: randomCreditCode(sub.code),
    });
    const summary = await t.ctx.database.db.transaction((tx) => seedServicesDemo(tx, institutions, buyer));
    expect(summary).toEqual({ skipped: false, offerings: 2, orders: 4 });

    const offerings = await t.app.inject({
      url: `/v1/service-offerings?organisationId=${institutions[0]!.id}`,
    });
    const [valuation] = offerings.json().items;
    expect(valuation).toMatchObject({
      kind: 'asset_valuation',
      status: 'published',
      rating: { count: 1, average: 5 },
    });
    expect(valuation.qualification.validUntil > new Date().toISOString().slice(0, 10)).toBe(true);

    const member = await createActor(t.ctx, { organisation: buyer });
    const orders = await t.app.inject({ url: '/v1/service-orders?role=buyer', headers: member.headers });
    expect(
      orders
        .json()
        .items.map((o: { status: string }) => o.status)
        .sort(),
    ).toEqual(['accepted', 'closed', 'delivered', 'in_progress']);
    const closed = orders.json().items.find((o: { status: string }) => o.status === 'closed');
    const detail = (
      await t.app.inject({ url: `/v1/service-orders/${closed.id}`, headers: member.headers })
    ).json();
    expect(detail.history.map((e: { action: string }) => e.action)).toEqual([
      'accept',
      'start',
      'deliver',
      'approve',
      'close',
    ]);
    expect(detail.history.at(-1).data).toEqual({ voucherRequested: true });
  });
});
