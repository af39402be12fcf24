import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import { randomCreditCode } from '../../test/ids.js';
import type { Organisation, SubCentre } from '../identity/repository.js';

/**
 * A world for services tests: a verified service institution in sub-centre A, a verified buyer
 * enterprise in sub-centre B, a stranger organisation, the registrars of A and B, an operator.
 */
export interface ServicesWorld {
  subA: SubCentre;
  subB: SubCentre;
  institutionOrg: Organisation;
  buyerOrg: Organisation;
  institution: TestActor;
  buyer: TestActor;
  stranger: TestActor;
  registrarA: TestActor;
  registrarB: TestActor;
  operator: TestActor;
}

export async function createServicesWorld(ctx: TestContext): Promise<ServicesWorld> {
  const [subA, subB] = [await createSubCentre(ctx), await createSubCentre(ctx)];
  const institutionOrg = await createOrganisation(ctx, {
    type: 'service_institution',
    subCentre: subA,
    verified: true,
    creditCode: randomCreditCode(subA.code),
  });
  const buyerOrg = await createOrganisation(ctx, {
    subCentre: subB,
    verified: true,
    creditCode: randomCreditCode(subB.code),
  });
  const strangerOrg = await createOrganisation(ctx, { verified: true, creditCode: randomCreditCode() });
  return {
    subA,
    subB,
    institutionOrg,
    buyerOrg,
    institution: await createActor(ctx, { organisation: institutionOrg, name: '评估机构成员' }),
    buyer: await createActor(ctx, { organisation: buyerOrg, name: '买方成员' }),
    stranger: await createActor(ctx, { organisation: strangerOrg, name: '他方成员' }),
    registrarA: await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: subA.id }] }),
    registrarB: await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: subB.id }] }),
    operator: await createActor(ctx, { roles: [{ role: 'operator' }] }),
  };
}

export type Method = 'GET' | 'POST' | 'PUT';

export const injector =
  (app: () => FastifyInstance) =>
  (
    who: TestActor | undefined,
    method: Method,
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    app().inject({
      method,
      url,
      headers: who?.headers ?? {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

/** China date `days` from today. */
export const chinaDay = (days: number) =>
  new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

export const VALUATION = {
  kind: 'asset_valuation',
  title: '科技成果无形资产评估（专利、技术秘密）',
  description: '为高校院所科技成果转化提供专利价值评估，出具资产评估报告，收益法与市场法。',
  priceModel: 'from',
  priceFen: 2_000_000,
  turnaroundDays: 10,
  regionCodes: ['320000'],
  fieldCodes: ['01', '04'],
  qualification: { licenceNo: '苏财资评备〔2023〕18号', validUntil: '2099-12-31' },
};

/** A published offering of the world's institution (created, submitted, published through the API). */
export async function publishedOffering(
  req: ReturnType<typeof injector>,
  w: ServicesWorld,
  over: Record<string, unknown> = {},
): Promise<{ id: string }> {
  const created = await req(w.institution, 'POST', '/v1/service-offerings', { ...VALUATION, ...over });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  expect((await req(w.institution, 'POST', `/v1/service-offerings/${id}/submit`, {})).statusCode).toBe(200);
  const pub = await req(w.registrarA, 'POST', `/v1/service-offerings/${id}/publish`, {});
  expect(pub.statusCode, pub.body).toBe(200);
  return { id };
}

/** A request of the buyer answered by a quote of the institution, and the order made from it. */
export async function orderFrom(
  req: ReturnType<typeof injector>,
  w: ServicesWorld,
  offeringId: string,
  quote: Record<string, unknown> = {},
) {
  const request = await req(w.buyer, 'POST', '/v1/service-requests', {
    kind: 'asset_valuation',
    title: '专利许可前的价值评估',
    description: '拟将一项发明专利许可给企业，需要出具评估报告。',
    fieldCodes: ['01'],
    regionCode: '320500',
  });
  expect(request.statusCode, request.body).toBe(201);
  const requestId = request.json().id as string;
  const q = await req(w.institution, 'POST', `/v1/service-requests/${requestId}/quotes`, {
    offeringId,
    priceFen: 3_000_000,
    turnaroundDays: 10,
    validUntil: chinaDay(30),
    ...quote,
  });
  expect(q.statusCode, q.body).toBe(201);
  const order = await req(w.buyer, 'POST', '/v1/service-orders', { quoteId: q.json().id });
  expect(order.statusCode, order.body).toBe(201);
  return { requestId, quoteId: q.json().id as string, order: order.json() };
}
