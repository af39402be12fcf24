import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { application, principalOf } from '../../test/fixtures/contracts.js';
import { createWorld, express, publishedAchievement, type World } from '../../test/fixtures/interests.js';
import { createServicesWorld, injector, orderFrom, publishedOffering } from '../../test/fixtures/services.js';
import { randomPatentNumber } from '../../test/ids.js';
import { registerContract, takeForReview } from '../contracts/review.js';
import { contractRoutes } from '../contracts/routes.js';
import { type ContractDeps, createContract, submitContract } from '../contracts/service.js';
import type { ContractInput } from '../contracts/validation.js';
import { webhookEvents } from '../integration/schema.js';
import { serviceRoutes } from '../services/routes.js';
import { managerRoutes } from './routes.js';

/** The registry, masking and authorisation; brokers named by a party; the reward figures. */
let w: World;
type Method = 'GET' | 'POST' | 'PATCH';
const req = (method: Method, url: string, actor?: TestActor, payload?: object) =>
  w.app.inject({ method, url, headers: actor?.headers ?? {}, ...(payload ? { payload } : {}) });
let uniAdmin: TestActor;
let entAdmin: TestActor;
let n = 0;

beforeAll(async () => {
  w = await createWorld([managerRoutes, contractRoutes, serviceRoutes]);
  uniAdmin = await createActor(w.ctx, { organisation: w.uni, orgRole: 'org_admin' });
  entAdmin = await createActor(w.ctx, { organisation: w.ent, orgRole: 'org_admin' });
});
afterAll(async () => {
  await w?.close();
});

/** A certificate number no other test run has: level digit, then a random serial. */
const certificate = (digit: '1' | '2' | '3') =>
  `JSTM2024${digit}${String((Date.now() * 7 + ++n * 7919 + Math.floor(Math.random() * 1e5)) % 1e6).padStart(6, '0')}`;

const managerInput = (over: Record<string, unknown> = {}) => ({
  name: '王经理',
  level: 'intermediate',
  certificateNo: certificate('2'),
  fields: ['01', '03'],
  phone: '13812345678',
  email: 'wang@example.com',
  ...over,
});

async function registered(by: TestActor, over: Record<string, unknown> = {}) {
  const res = await req('POST', '/v1/technology-managers', by, managerInput(over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function active(by = uniAdmin, over: Record<string, unknown> = {}) {
  const m = await registered(by, over);
  const res = await req('POST', `/v1/technology-managers/${m.id}/review`, w.operator, {
    decision: 'approve',
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('the technology manager registry', () => {
  it('is registered by the employer admin, reviewed by an operator, and masks personal data in public', async () => {
    const input = managerInput();
    const created = await req('POST', '/v1/technology-managers', uniAdmin, input);
    expect(created.statusCode, created.body).toBe(201);
    const m = created.json();
    expect(m).toMatchObject({
      status: 'pending',
      level: 'intermediate',
      employerOrganisationId: w.uni.id,
      certificateNo: input.certificateNo,
      contact: { phone: '13812345678', email: 'wang@example.com' },
      reviewActions: ['approve', 'reject'],
    });
    // Pending: hidden from the public and from other organisations (lists too), visible to the employer.
    const strangerList = await req(
      'GET',
      `/v1/technology-managers?employerOrganisationId=${w.uni.id}&status=pending&limit=100`,
      w.stranger,
    );
    expect(strangerList.json().items.map((x: { id: string }) => x.id)).not.toContain(m.id);
    const ownList = await req('GET', `/v1/technology-managers?status=pending&limit=100`, w.owner);
    expect(ownList.json().items.map((x: { id: string }) => x.id)).toContain(m.id);
    expect((await req('GET', `/v1/technology-managers/${m.id}`)).statusCode).toBe(404);
    expect((await req('GET', `/v1/technology-managers/${m.id}`, w.stranger)).statusCode).toBe(404);
    expect((await req('GET', `/v1/technology-managers/${m.id}`, w.owner)).statusCode).toBe(200);

    // Only operators review; a rejection or revocation needs a reason.
    const approve = { decision: 'approve' };
    expect((await req('POST', `/v1/technology-managers/${m.id}/review`, uniAdmin, approve)).statusCode).toBe(
      403,
    );
    expect(
      (await req('POST', `/v1/technology-managers/${m.id}/review`, w.stranger, approve)).statusCode,
    ).toBe(404);
    const noReason = await req('POST', `/v1/technology-managers/${m.id}/review`, w.operator, {
      decision: 'reject',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().type).toContain('manager-review-reason-required');
    const ok = await req('POST', `/v1/technology-managers/${m.id}/review`, w.operator, approve);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe('active');
    const again = await req('POST', `/v1/technology-managers/${m.id}/review`, w.operator, approve);
    expect(again.statusCode).toBe(409);

    // Active: public, with phone, e-mail and certificate number masked; in full for the employer.
    const pub = (await req('GET', `/v1/technology-managers/${m.id}`)).json();
    expect(pub.contact).toEqual({ phone: '138****5678', email: 'w***@example.com' });
    expect(pub.certificateNo).not.toBe(input.certificateNo);
    expect(pub.certificateNo).toMatch(/^JSTM2024\*+\d{2}$/);
    expect(pub.reviewActions).toBeUndefined();
    const own = (await req('GET', `/v1/technology-managers/${m.id}`, w.owner)).json();
    expect(own.contact.phone).toBe('13812345678');
    expect(own.certificateNo).toBe(input.certificateNo);

    const list = await req('GET', `/v1/technology-managers?employerOrganisationId=${w.uni.id}&limit=100`);
    expect(list.statusCode).toBe(200);
    const listed = list.json().items.find((x: { id: string }) => x.id === m.id);
    expect(listed.contact.phone).toBe('138****5678');
    expect(JSON.stringify(list.json())).not.toContain('13812345678');

    // The employer's change of what was reviewed sends it back to review.
    const patch = await req('PATCH', `/v1/technology-managers/${m.id}`, uniAdmin, {
      level: 'senior',
      certificateNo: certificate('3'),
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json()).toMatchObject({ status: 'pending', level: 'senior' });
    // A changed level must agree with the certificate's level digit.
    const mismatch = await req('PATCH', `/v1/technology-managers/${m.id}`, uniAdmin, { level: 'junior' });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().errors[0]).toMatchObject({ field: 'body/certificateNo', code: 'level' });

    // Audit trail and the employer's webhook events.
    const audit = await w.ctx.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.objectId, m.id));
    expect(audit.map((a) => a.action).sort()).toEqual([
      'technology-manager.registered',
      'technology-manager.reviewed',
      'technology-manager.updated',
    ]);
    const events = await w.ctx.database.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.subjectId, m.id));
    expect(events.map((e) => e.type).sort()).toEqual([
      'technology-manager.registered',
      'technology-manager.reviewed',
      'technology-manager.updated',
    ]);
    expect(events.every((e) => e.organisationIds?.join() === w.uni.id)).toBe(true);
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain('13812345678');
  });

  it('checks who registers and the certificate number', async () => {
    // A plain member, another organisation's admin, an unverified organisation's admin: refused.
    expect((await req('POST', '/v1/technology-managers', w.owner, managerInput())).statusCode).toBe(403);
    const other = await req('POST', '/v1/technology-managers', entAdmin, {
      ...managerInput(),
      employerOrganisationId: w.uni.id,
    });
    expect(other.statusCode).toBe(403);
    const unverifiedOrg = await createOrganisation(w.ctx);
    const unverifiedAdmin = await createActor(w.ctx, { organisation: unverifiedOrg, orgRole: 'org_admin' });
    const unverified = await req('POST', '/v1/technology-managers', unverifiedAdmin, managerInput());
    expect(unverified.statusCode).toBe(403);
    expect(unverified.json().type).toContain('manager-employer-unverified');
    expect((await req('POST', '/v1/technology-managers', undefined, managerInput())).statusCode).toBe(401);

    const bad = await req(
      'POST',
      '/v1/technology-managers',
      uniAdmin,
      managerInput({ certificateNo: 'JSTM2024#' }),
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'body/certificateNo', code: 'format' });
    expect(bad.json().errors[0].message).toContain("'#'");
    const level = await req(
      'POST',
      '/v1/technology-managers',
      uniAdmin,
      managerInput({ level: 'junior', certificateNo: certificate('3') }),
    );
    expect(level.statusCode).toBe(400);
    expect(level.json().errors[0].code).toBe('level');

    // Unique, whatever the spelling; an operator's registration is active at once, for any employer.
    const first = await registered(w.operator, { employerOrganisationId: w.ent.id });
    expect(first.status).toBe('active');
    const dup = await req(
      'POST',
      '/v1/technology-managers',
      uniAdmin,
      managerInput({ certificateNo: first.certificateNo.toLowerCase().replace('tm', 'tm-') }),
    );
    expect(dup.statusCode).toBe(409);
    expect(dup.json().type).toContain('manager-certificate-taken');
    // Others may not edit.
    const edit = await req('PATCH', `/v1/technology-managers/${first.id}`, uniAdmin, { bio: '改' });
    expect(edit.statusCode).toBe(403);
  });
});

describe('brokers', () => {
  it('only a party of an interest names an active manager as its broker', async () => {
    const manager = await active();
    const pending = await registered(uniAdmin);
    const achievementId = await publishedAchievement(w);
    const interest = await express(w, achievementId);
    const url = `/v1/interests/${interest.id}/broker`;
    expect((await req('POST', url, w.stranger, { managerId: manager.id })).statusCode).toBe(404);
    expect((await req('POST', url, w.operator, { managerId: manager.id })).statusCode).toBe(403);
    expect((await req('POST', url, undefined, { managerId: manager.id })).statusCode).toBe(401);
    const notActive = await req('POST', url, w.buyer, { managerId: pending.id });
    expect(notActive.statusCode).toBe(422);
    expect(notActive.json().type).toContain('manager-not-active');

    const named = await req('POST', url, w.buyer, { managerId: manager.id });
    expect(named.statusCode, named.body).toBe(201);
    expect(named.json().brokers).toEqual([
      expect.objectContaining({
        managerId: manager.id,
        subjectType: 'interest',
        namedByOrganisationId: w.ent.id,
      }),
    ]);
    const again = await req('POST', url, w.owner, { managerId: manager.id });
    expect(again.statusCode).toBe(200);
    expect(again.json().brokers).toHaveLength(1);
    const [event] = await w.ctx.database.db
      .select()
      .from(webhookEvents)
      .where(
        and(
          eq(webhookEvents.subjectId, interest.id),
          eq(webhookEvents.type, 'technology-manager.broker-named'),
        ),
      );
    expect(new Set(event!.organisationIds)).toEqual(new Set([w.uni.id, w.ent.id]));
  });
});

describe('brokers on service orders', () => {
  it('only the buyer or the institution names a broker; not on a cancelled order', async () => {
    const s = await createServicesWorld(w.ctx);
    const sreq = injector(() => w.app);
    const offering = await publishedOffering(sreq, s);
    const { order } = await orderFrom(sreq, s, offering.id);
    const manager = await active();
    const url = `/v1/service-orders/${order.id}/broker`;
    const body = { managerId: manager.id };
    expect((await req('POST', url, s.stranger, body)).statusCode).toBe(404);
    expect((await req('POST', url, s.registrarA, body)).statusCode).toBe(404);
    expect((await req('POST', url, s.registrarB, body)).statusCode).toBe(403);
    expect((await req('POST', url, s.operator, body)).statusCode).toBe(403);
    expect((await req('POST', url, undefined, body)).statusCode).toBe(401);
    const missing = `/v1/service-orders/00000000-0000-4000-8000-000000000000/broker`;
    expect((await req('POST', missing, s.buyer, body)).statusCode).toBe(404);

    const named = await req('POST', url, s.institution, body);
    expect(named.statusCode, named.body).toBe(201);
    expect(named.json()).toMatchObject({ subjectType: 'service_order', subjectId: order.id });
    expect(named.json().brokers).toEqual([
      expect.objectContaining({ managerId: manager.id, namedByOrganisationId: s.institutionOrg.id }),
    ]);
    const again = await req('POST', url, s.buyer, body);
    expect(again.statusCode).toBe(200);
    expect(again.json().brokers).toHaveLength(1);
    const [event] = await w.ctx.database.db
      .select()
      .from(webhookEvents)
      .where(
        and(eq(webhookEvents.subjectId, order.id), eq(webhookEvents.type, 'technology-manager.broker-named')),
      );
    expect(new Set(event!.organisationIds)).toEqual(new Set([s.buyerOrg.id, s.institutionOrg.id, w.uni.id]));
    const audit = await w.ctx.database.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.objectId, order.id), eq(auditEvents.action, 'technology-manager.broker-named')),
      );
    expect(audit.map((a) => a.objectType)).toEqual(['service_order']);

    // A cancelled order takes no broker.
    const other = await orderFrom(sreq, s, offering.id);
    const cancel = await sreq(s.buyer, 'POST', `/v1/service-orders/${other.order.id}/cancel`, {
      reason: { code: 'buyer_changed_plans' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const closed = await req('POST', `/v1/service-orders/${other.order.id}/broker`, s.buyer, body);
    expect(closed.statusCode).toBe(409);
    expect(closed.json().type).toContain('manager-broker-subject-closed');
  });
});

describe('reward figures', () => {
  const YEAR = 2041;
  const at = (iso: string): ContractDeps => ({
    db: w.ctx.database.db,
    cursors: w.ctx.cursors,
    outbox: w.ctx.outbox,
    now: () => new Date(iso),
  });

  async function contractOf(input: ContractInput, when: string, register = true) {
    const applicant = { principal: await principalOf(w.ctx, w.owner) };
    const registrar = { principal: await principalOf(w.ctx, w.registrar) };
    const c = await createContract(at(when), applicant, input);
    if (!register) return c.id;
    await submitContract(at(when), applicant, c.id);
    await takeForReview(at(when), registrar, c.id);
    await registerContract(at(when), registrar, c.id, {});
    return c.id;
  }

  it('per manager: brokered contracts registered in the year; per university: net transfer income and its 2% set-aside', async () => {
    const point = { sellerCode: w.uni.creditCode!, subCentre: w.sub };
    const a = (over: Partial<ContractInput>) => application(point, over);
    const c1 = await contractOf(
      a({
        type: 'transfer',
        subtype: 'patent_right',
        patentNumbers: [randomPatentNumber()],
        contractValueFen: 300_000_00,
        nonTechnicalCostsFen: 50_000_00,
      }),
      `${YEAR}-03-10T02:00:00Z`,
    );
    const c2 = await contractOf(
      a({
        type: 'licensing',
        subtype: 'technical_secret_licence',
        licenceType: 'non_exclusive',
        licenceTermMonths: 12,
        contractValueFen: 123_456_78,
      }),
      `${YEAR}-04-10T02:00:00Z`,
    );
    // A development contract: brokered, but not transfer income.
    const c3 = await contractOf(a({ contractValueFen: 1_000_00 }), `${YEAR}-05-10T02:00:00Z`);
    // Registered in another year, and a draft: named, but not in this year's figures.
    const c4 = await contractOf(a({ contractValueFen: 7_000_00 }), `${YEAR - 1}-05-10T02:00:00Z`);
    const draft = await contractOf(a({ contractValueFen: 9_000_00 }), `${YEAR}-05-10T02:00:00Z`, false);

    const m1 = await active();
    const m2 = await active();
    const name = (contractId: string, managerId: string, by = w.owner) =>
      req('POST', `/v1/contracts/${contractId}/broker`, by, { managerId });
    // Parties only: the registrar and operators see the contract but are refused; strangers see nothing.
    expect((await name(c1, m1.id, w.registrar)).statusCode).toBe(403);
    expect((await name(c1, m1.id, w.operator)).statusCode).toBe(403);
    expect((await name(c1, m1.id, w.stranger)).statusCode).toBe(404);
    for (const [c, m] of [
      [c1, m1],
      [c2, m1],
      [c3, m1],
      [c4, m1],
      [draft, m1],
      [c2, m2],
    ] as const)
      expect((await name(c, m.id)).statusCode).toBe(201);

    const rewards = await collect(`/v1/technology-managers/rewards?year=${YEAR}`);
    const r1 = rewards.find((x) => x.managerId === m1.id);
    const r2 = rewards.find((x) => x.managerId === m2.id);
    expect(r1).toMatchObject({
      contractCount: 3,
      contractValueFen: 300_000_00 + 123_456_78 + 1_000_00,
      transactionAmountFen: 250_000_00 + 123_456_78 + 1_000_00,
      contractsTruncated: false,
    });
    expect((r1!.contracts as { id: string }[]).map((c) => c.id).sort()).toEqual([c1, c2, c3].sort());
    expect(r2).toMatchObject({ contractCount: 1, transactionAmountFen: 123_456_78 });

    const setAsides = await collect(`/v1/technology-managers/set-asides?year=${YEAR}`);
    const uni = setAsides.find((x) => x.sellerCreditCode === w.uni.creditCode);
    // Transfer (250,000.00 net of non-technical costs) and licence (123,456.78): 373,456.78 yuan;
    // 2% = 7,469.1356 yuan, rounded up to the fen.
    expect(uni).toMatchObject({
      organisationId: w.uni.id,
      partyNature: '022',
      contractCount: 2,
      netTransferIncomeFen: 373_456_78,
      setAsideMinFen: 746_914,
    });

    expect((await req('GET', `/v1/technology-managers/rewards?year=${YEAR}`, w.owner)).statusCode).toBe(403);
    expect(
      (await req('GET', `/v1/technology-managers/set-asides?year=${YEAR}`, w.registrar)).statusCode,
    ).toBe(403);
    expect((await req('GET', `/v1/technology-managers/set-asides?year=${YEAR}`)).statusCode).toBe(401);
    const audited = await w.ctx.database.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.action, 'technology-manager.broker-named'),
          inArray(auditEvents.objectId, [c1, c2]),
        ),
      );
    expect(audited).toHaveLength(3);
  });

  async function collect(url: string) {
    const out: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const res = await req('GET', `${url}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, w.operator);
      expect(res.statusCode, res.body).toBe(200);
      out.push(...res.json().items);
      cursor = res.json().nextCursor;
    } while (cursor);
    return out as ({ managerId: string; sellerCreditCode: string } & Record<string, unknown>)[];
  }
});
