/**
 * Services rows (全网通办): O1 is the buyer of orders and the requester; the institution is a
 * verified service institution in S1 (so S1's registrar reviews its offerings and, as the
 * buyer's sub-centre, resolves O1's disputes). No matrix caller acts for the institution.
 */

import { createActor, createOrganisation, type TestActor } from '../actors.js';
import { randomCreditCode } from '../ids.js';
import { cells, type Expectations, type MatrixRow, type Obj, publicScoped, signedIn } from './types.js';
import type { World } from './world.js';

const chinaDay = (days: number) =>
  new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

export async function institution(w: World): Promise<TestActor> {
  const o = await w.once('service-institution', async () => {
    const org = await createOrganisation(w.ctx, {
      type: 'service_institution',
      subCentre: w.s1,
      verified: true,
      creditCode: randomCreditCode(w.s1.code),
    });
    const actor = await createActor(w.ctx, { organisation: org, name: '矩阵服务机构成员' });
    return { organisationId: org.id, token: actor.token };
  });
  return { userId: 'institution', token: o.token!, headers: { authorization: `Bearer ${o.token}` } };
}

type OfferingStatus = 'draft' | 'submitted' | 'published';

export async function offering(w: World, status: OfferingStatus): Promise<Obj> {
  const inst = await institution(w);
  const title = w.secret('矩阵服务产品');
  const res = await w.as(inst, 'POST', '/v1/service-offerings', {
    kind: 'ip_search',
    title,
    description: '专利检索与分析',
    priceModel: 'fixed',
    priceFen: 500_000,
    turnaroundDays: 5,
  });
  const id = res.json().id as string;
  if (status !== 'draft') await w.as(inst, 'POST', `/v1/service-offerings/${id}/submit`, {});
  if (status === 'published')
    await w.as(w.users.registrar, 'POST', `/v1/service-offerings/${id}/publish`, {});
  return { id, title };
}

export async function request(w: World): Promise<Obj> {
  const title = w.secret('矩阵服务需求');
  const res = await w.as(w.users.member, 'POST', '/v1/service-requests', {
    kind: 'ip_search',
    title,
    description: '需要一份专利检索报告',
  });
  return { id: res.json().id as string, title };
}

async function quote(w: World): Promise<Obj> {
  const inst = await institution(w);
  const offer = await w.once('service-offering:published', () => offering(w, 'published'));
  const r = await request(w);
  const res = await w.as(inst, 'POST', `/v1/service-requests/${r.id}/quotes`, {
    offeringId: offer.id,
    priceFen: 480_000,
    turnaroundDays: 5,
    validUntil: chinaDay(30),
  });
  return { requestId: r.id!, quoteId: res.json().id as string, title: r.title! };
}

type OrderStatus = 'accepted' | 'in_progress' | 'delivered' | 'accepted_by_buyer' | 'disputed' | 'rated';

export async function order(w: World, status: OrderStatus): Promise<Obj> {
  const inst = await institution(w);
  const q = await quote(w);
  const res = await w.as(w.users.member, 'POST', '/v1/service-orders', { quoteId: q.quoteId });
  const id = res.json().id as string;
  const deliverable = { name: '检索报告.pdf', sha256: 'a'.repeat(64) };
  const steps: [OrderStatus, string, TestActor, object][] = [
    ['in_progress', 'start', inst, {}],
    ['delivered', 'deliver', inst, { deliverables: [deliverable] }],
  ];
  const path: OrderStatus[] = ['accepted', 'in_progress', 'delivered'];
  for (const [reached, step, who, body] of steps)
    if (path.indexOf(status) >= path.indexOf(reached) || !path.includes(status))
      await w.as(who, 'POST', `/v1/service-orders/${id}/${step}`, body);
  if (status === 'accepted_by_buyer')
    await w.as(w.users.member, 'POST', `/v1/service-orders/${id}/approve`, {});
  if (status === 'disputed')
    await w.as(w.users.member, 'POST', `/v1/service-orders/${id}/dispute`, { note: '报告缺页' });
  if (status === 'rated')
    await w.as(w.users.member, 'POST', `/v1/service-orders/${id}/rating`, { score: 4, text: '不错' });
  return { id, title: q.title! };
}

const oid = (o: Obj) => ({ offeringId: o.id! });
const rid = (o: Obj) => ({ requestId: o.id! });
const ordid = (o: Obj) => ({ orderId: o.id! });
/** An order: O1 (member, orgAdmin, client) is the buyer; S1's registrar and operators its sub-centre. */
const onOrder = (named: Partial<Expectations>) =>
  cells(404, {
    anonymous: 401,
    clientNoScope: 403,
    member: 403,
    orgAdmin: 403,
    client: 403,
    registrar: 403,
    operator: 403,
    ...named,
  });
const buyer = (status: number) => onOrder({ member: status, orgAdmin: status, client: status });
/** Hidden offerings (draft, submitted): S1's registrar and operators review them. */
const hiddenOffering = (named: Partial<Expectations>) =>
  cells(404, { anonymous: 401, clientNoScope: 403, registrar: 403, operator: 403, ...named });
const noOrganisation = { registrar: 422, otherRegistrar: 422, operator: 422 } as const;

export const serviceRows: MatrixRow[] = [
  {
    op: 'createServiceOffering',
    body: (_o, w) => ({
      kind: 'ip_search',
      title: w.secret('矩阵新服务'),
      description: '检索',
      priceModel: 'quote',
      turnaroundDays: 3,
    }),
    // O1 is a university and the stranger's an enterprise: only service institutions offer.
    expect: signedIn(403, noOrganisation),
  },
  { op: 'listServiceOfferings', query: () => 'limit=5', expect: publicScoped(200) },
  {
    op: 'getServiceOffering',
    variant: 'published',
    object: (w) => w.once('service-offering:published', () => offering(w, 'published')),
    params: oid,
    expect: publicScoped(200),
  },
  {
    op: 'getServiceOffering',
    variant: 'draft',
    object: (w) => w.once('service-offering:draft', () => offering(w, 'draft')),
    params: oid,
    expect: hiddenOffering({ registrar: 200, operator: 200 }),
  },
  {
    op: 'updateServiceOffering',
    variant: 'draft',
    object: (w) => w.once('service-offering:draft', () => offering(w, 'draft')),
    params: oid,
    body: () => ({
      kind: 'ip_search',
      title: '改',
      description: '改',
      priceModel: 'quote',
      turnaroundDays: 3,
    }),
    expect: hiddenOffering({}),
  },
  {
    op: 'updateServiceOffering',
    variant: 'published',
    object: (w) => w.once('service-offering:published', () => offering(w, 'published')),
    params: oid,
    body: () => ({
      kind: 'ip_search',
      title: '改',
      description: '改',
      priceModel: 'quote',
      turnaroundDays: 3,
    }),
    // Published (editable since issue 16): everyone knows it exists, only the institution edits it.
    expect: cells(403, { anonymous: 401 }),
  },
  {
    op: 'submitServiceOffering',
    object: (w) => w.once('service-offering:draft', () => offering(w, 'draft')),
    params: oid,
    body: () => ({}),
    expect: hiddenOffering({}),
  },
  {
    op: 'publishServiceOffering',
    object: (w) => offering(w, 'submitted'),
    fresh: true,
    params: oid,
    body: () => ({}),
    expect: hiddenOffering({ registrar: 200, operator: 200 }),
  },
  {
    op: 'rejectServiceOffering',
    object: (w) => offering(w, 'submitted'),
    fresh: true,
    params: oid,
    body: () => ({ reason: '资质材料不全' }),
    expect: hiddenOffering({ registrar: 200, operator: 200 }),
  },
  {
    op: 'withdrawServiceOffering',
    object: (w) => w.once('service-offering:published', () => offering(w, 'published')),
    params: oid,
    body: () => ({}),
    // Published: everyone knows it exists, only the institution may withdraw it.
    expect: cells(403, { anonymous: 401 }),
  },
  {
    op: 'createServiceRequest',
    body: (_o, w) => ({ kind: 'legal', title: w.secret('矩阵新需求'), description: '法律咨询' }),
    expect: signedIn(201, noOrganisation),
  },
  { op: 'listServiceRequests', query: () => 'limit=5', expect: signedIn(200) },
  {
    op: 'getServiceRequest',
    object: (w) => w.once('service-request', () => request(w)),
    params: rid,
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      member: 200,
      orgAdmin: 200,
      client: 200,
      operator: 200,
    }),
  },
  {
    op: 'suggestServiceOfferings',
    object: (w) => w.once('service-request', () => request(w)),
    params: rid,
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      member: 200,
      orgAdmin: 200,
      client: 200,
      operator: 200,
    }),
  },
  {
    op: 'createServiceQuote',
    object: (w) => w.once('service-request', () => request(w)),
    params: rid,
    body: () => ({
      offeringId: '0190a000-0000-7000-8000-000000000000',
      priceFen: 1,
      turnaroundDays: 1,
      validUntil: chinaDay(3),
    }),
    // Institutions offering the kind quote; the requester may not quote itself.
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      member: 403,
      orgAdmin: 403,
      client: 403,
      operator: 403,
    }),
  },
  {
    op: 'withdrawServiceQuote',
    object: (w) => quote(w),
    fresh: true,
    params: (o) => ({ requestId: o.requestId!, quoteId: o.quoteId! }),
    // Only the institution that quoted (no matrix caller); the requester and operators see it (403).
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      member: 403,
      orgAdmin: 403,
      client: 403,
      operator: 403,
    }),
  },
  {
    op: 'closeServiceRequest',
    object: request,
    fresh: true,
    params: rid,
    // The requester (O1) closes; operators see it but may not (403).
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      member: 200,
      orgAdmin: 200,
      client: 200,
      operator: 403,
    }),
  },
  {
    op: 'createServiceOrder',
    object: (w) => quote(w),
    fresh: true,
    body: (o) => ({ quoteId: o.quoteId }),
    expect: signedIn(404, { member: 201, orgAdmin: 201, client: 201, ...noOrganisation }),
  },
  { op: 'listServiceOrders', query: () => 'limit=5', expect: signedIn(200) },
  {
    op: 'listOverdueServiceOrders',
    query: () => 'limit=5',
    expect: signedIn(403, { registrar: 200, otherRegistrar: 200, operator: 200 }),
  },
  {
    op: 'getServiceOrder',
    object: (w) => w.once('service-order:accepted', () => order(w, 'accepted')),
    params: ordid,
    expect: onOrder({ member: 200, orgAdmin: 200, client: 200, registrar: 200, operator: 200 }),
  },
  // The institution's steps: no matrix caller acts for it.
  {
    op: 'startServiceOrder',
    object: (w) => w.once('service-order:accepted', () => order(w, 'accepted')),
    params: ordid,
    body: () => ({}),
    expect: onOrder({}),
  },
  {
    op: 'addServiceOrderMilestone',
    object: (w) => w.once('service-order:accepted', () => order(w, 'accepted')),
    params: ordid,
    body: () => ({ title: '进度' }),
    expect: onOrder({}),
  },
  {
    op: 'deliverServiceOrder',
    object: (w) => w.once('service-order:in_progress', () => order(w, 'in_progress')),
    params: ordid,
    body: () => ({ deliverables: [{ name: 'x.pdf', sha256: 'b'.repeat(64) }] }),
    expect: onOrder({}),
  },
  {
    op: 'replyServiceOrderRating',
    object: (w) => w.once('service-order:rated', () => order(w, 'rated')),
    params: ordid,
    body: () => ({ text: '谢谢' }),
    expect: onOrder({}),
  },
  // The buyer's steps.
  {
    op: 'approveServiceOrder',
    object: (w) => order(w, 'delivered'),
    fresh: true,
    params: ordid,
    body: () => ({}),
    expect: buyer(200),
  },
  {
    op: 'disputeServiceOrder',
    object: (w) => order(w, 'delivered'),
    fresh: true,
    params: ordid,
    body: () => ({ note: '交付物不完整' }),
    expect: buyer(200),
  },
  {
    op: 'rateServiceOrder',
    object: (w) => order(w, 'delivered'),
    fresh: true,
    params: ordid,
    body: () => ({ score: 5, text: '很好' }),
    expect: buyer(200),
  },
  {
    op: 'cancelServiceOrder',
    object: (w) => order(w, 'accepted'),
    fresh: true,
    params: ordid,
    body: () => ({ reason: { code: 'buyer_changed_plans' } }),
    expect: buyer(200),
  },
  {
    op: 'closeServiceOrder',
    object: (w) => order(w, 'accepted_by_buyer'),
    fresh: true,
    params: ordid,
    body: () => ({}),
    expect: onOrder({ member: 200, orgAdmin: 200, client: 200, registrar: 200, operator: 200 }),
  },
  // The buyer's sub-centre (S1) resolves disputes.
  {
    op: 'resolveServiceOrder',
    object: (w) => order(w, 'disputed'),
    fresh: true,
    params: ordid,
    body: () => ({ outcome: 'settled', note: '双方协商一致' }),
    expect: onOrder({ registrar: 200, operator: 200 }),
  },
];
