import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { application } from '../../test/fixtures/contracts.js';
import { createWorld, publishedAchievement, requester, type World } from '../../test/fixtures/interests.js';
import { randomCreditCode } from '../../test/ids.js';
import { PRC_CALENDAR } from '../contracts/calendar.js';
import { contractsModule } from '../contracts/module.js';
import { findOrganisation } from '../identity/index.js';
import { webhookEvents } from '../integration/schema.js';
import { noticesModule } from './module.js';
import { maskName, periodEnd } from './rules.js';
import { priceNoticeObjections, priceNotices } from './schema.js';
import { seedDemoNotice } from './seed.js';
import { requireClearedNotices } from './service.js';

let w: World;
let req: ReturnType<typeof requester>;
let admin: TestActor;

beforeAll(async () => {
  w = await createWorld([noticesModule.routes!, contractsModule.routes!]);
  req = requester(w);
  admin = await createActor(w.ctx, { organisation: w.uni, orgRole: 'org_admin' });
});
afterAll(async () => {
  await w?.close();
});

const DAY = 86_400_000;

/** Moves a notice and its objections `days` into the past, as if published that long ago. */
async function backdate(noticeId: string, days: number) {
  const db = w.ctx.database.db;
  const by = sql`make_interval(days => ${days})`;
  await db
    .update(priceNotices)
    .set({ startsAt: sql`starts_at - ${by}`, endsAt: sql`ends_at - ${by}` })
    .where(eq(priceNotices.id, noticeId));
  await db
    .update(priceNoticeObjections)
    .set({ createdAt: sql`created_at - ${by}`, answeredAt: sql`answered_at - ${by}` })
    .where(eq(priceNoticeObjections.noticeId, noticeId));
}

const publish = async (achievementId: string, actor = w.owner) => {
  const res = await req('POST', '/v1/public-notices', actor, {
    achievementId,
    mode: 'transfer',
    priceFen: 1_200_000_00,
    counterparty: { name: '测试新能源有限公司', creditCode: w.ent.creditCode },
    description: '经协商一致，拟以 120 万元转让该成果。',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};

/** A draft transfer of the achievement from the university to the enterprise. */
async function transferDraft(achievementId: string): Promise<string> {
  const body = application(
    { sellerCode: w.uni.creditCode!, subCentre: w.sub },
    {
      type: 'transfer',
      subtype: 'technical_secret',
      achievementIds: [achievementId],
      buyer: {
        name: '测试新能源有限公司',
        creditCode: w.ent.creditCode!,
        countryCode: 'CN',
        regionCode: '320500',
        partyNature: '150',
      },
    },
  );
  const res = await req('POST', '/v1/contracts', w.owner, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('协议定价公示 through the API', () => {
  it('publishes, takes an objection, and gates contract registration until an undisputed period ends', async () => {
    const achievementId = await publishedAchievement(w);
    const contractId = await transferDraft(achievementId);

    // No notice yet: the submission is refused, naming the achievement.
    const none = await req('POST', `/v1/contracts/${contractId}/submit`, w.owner);
    expect(none.statusCode, none.body).toBe(409);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({ achievementId, reason: 'missing' });
    expect(none.json().type).toContain('contract-price-notice-required');
    expect(none.json().detail).toContain(achievementId);

    const notice = await publish(achievementId);
    expect(notice).toMatchObject({
      status: 'in_period',
      periodDays: 15,
      dayKind: 'calendar',
      priceFen: 1_200_000_00,
      counterparty: { creditCode: w.ent.creditCode },
      objections: [],
    });
    // 15 calendar days after the day of publication, to midnight China time.
    const end = Date.parse(notice.endsAt);
    expect((end + 8 * 3600_000) % DAY).toBe(0);
    expect(Math.round((end - Date.parse(notice.startsAt)) / DAY)).toBeGreaterThanOrEqual(15);
    expect(end - Date.parse(notice.startsAt)).toBeLessThanOrEqual(16 * DAY);

    // Public: anyone lists and reads it.
    const listed = await req('GET', `/v1/public-notices?achievementId=${achievementId}`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().items.map((x: { id: string }) => x.id)).toEqual([notice.id]);

    const inPeriod = await req('POST', `/v1/contracts/${contractId}/submit`, w.owner);
    expect(inPeriod.statusCode).toBe(409);
    expect(inPeriod.json().reason).toBe('in_period');

    // An objection: the objector is identified; the public sees the name masked.
    const objected = await req('POST', `/v1/public-notices/${notice.id}/objections`, w.stranger, {
      name: '王小明',
      text: '该价格明显低于同类成果的市场价格。',
    });
    expect(objected.statusCode, objected.body).toBe(201);
    const again = await req('POST', `/v1/public-notices/${notice.id}/objections`, w.stranger, {
      name: '王小明',
      text: '再次异议',
    });
    expect(again.statusCode).toBe(409);
    const own = await req('POST', `/v1/public-notices/${notice.id}/objections`, w.owner, {
      name: '张老师',
      text: '自己的',
    });
    expect(own.statusCode).toBe(422);
    const anon = await req('POST', `/v1/public-notices/${notice.id}/objections`, undefined, {
      name: '匿名',
      text: '匿名异议',
    });
    expect(anon.statusCode).toBe(401);

    const publicView = (await req('GET', `/v1/public-notices/${notice.id}`)).json();
    expect(publicView.objections).toHaveLength(1);
    expect(publicView.objections[0].objector).toEqual({ name: '王**' });
    expect(JSON.stringify(publicView)).not.toContain('王小明');
    const ownerView = (await req('GET', `/v1/public-notices/${notice.id}`, w.owner)).json();
    expect(ownerView.objections[0].objector).toMatchObject({
      name: '王小明',
      organisationId: w.stranger.organisationId,
    });

    // The period ends with the objection unanswered: disputed, and still refused.
    await backdate(notice.id, 30);
    const disputed = (await req('GET', `/v1/public-notices/${notice.id}`)).json();
    expect(disputed.status).toBe('disputed');
    const refused = await req('POST', `/v1/contracts/${contractId}/submit`, w.owner);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().reason).toBe('disputed');
    // No objection after the period; a late answer is recorded but does not clear the notice.
    const late = await req('POST', `/v1/public-notices/${notice.id}/objections`, w.buyer, {
      name: '刘经理',
      text: '逾期异议',
    });
    expect(late.statusCode).toBe(409);
    expect(late.json().type).toContain('price-notice-period-over');
    const objectionId = objected.json().id as string;
    const lateAnswer = await req(
      'POST',
      `/v1/public-notices/${notice.id}/objections/${objectionId}/answer`,
      w.owner,
      { answer: '价格经第三方评估确定。' },
    );
    expect(lateAnswer.statusCode, lateAnswer.body).toBe(200);
    expect((await req('GET', `/v1/public-notices/${notice.id}`)).json().status).toBe('disputed');

    // A new notice, objected to and answered during its period: cleared once the period ends.
    const second = await publish(achievementId);
    const o2 = await req('POST', `/v1/public-notices/${second.id}/objections`, w.stranger, {
      name: '王小明',
      text: '请说明定价依据。',
    });
    expect(o2.statusCode).toBe(201);
    // Only the owner answers, once.
    const path = `/v1/public-notices/${second.id}/objections/${o2.json().id}/answer`;
    expect((await req('POST', path, w.stranger, { answer: '自答' })).statusCode).toBe(403);
    const answered = await req('POST', path, w.owner, { answer: '定价依据为资产评估报告。' });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json()).toMatchObject({ answer: '定价依据为资产评估报告。' });
    expect((await req('POST', path, w.owner, { answer: '再答' })).statusCode).toBe(409);
    const stillOpen = await req('POST', `/v1/contracts/${contractId}/submit`, w.owner);
    expect(stillOpen.json().reason).toBe('in_period');

    await backdate(second.id, 30);
    expect((await req('GET', `/v1/public-notices/${second.id}`)).json().status).toBe('cleared');
    const submitted = await req('POST', `/v1/contracts/${contractId}/submit`, w.owner);
    expect(submitted.statusCode, submitted.body).toBe(200);
    expect(submitted.json().status).toBe('submitted');

    // The owner's inbox heard of the objection; the audit trail has every step.
    const inbox = await req('GET', '/v1/notifications?limit=100', w.owner);
    const kinds = (inbox.json().items as { kind: string; data: { noticeId?: string } }[])
      .filter((x) => x.data.noticeId === notice.id)
      .map((x) => x.kind)
      .sort();
    expect(kinds).toEqual(['price-notice.answered', 'price-notice.objected']);
  });

  it('does not gate a transfer for another counterparty than the notice', async () => {
    const achievementId = await publishedAchievement(w);
    const notice = await publish(achievementId);
    await backdate(notice.id, 30);
    const body = application(
      { sellerCode: w.uni.creditCode!, subCentre: w.sub },
      {
        type: 'transfer',
        subtype: 'technical_secret',
        achievementIds: [achievementId],
        buyer: {
          name: '另一家公司',
          creditCode: randomCreditCode('320500'),
          countryCode: 'CN',
          regionCode: '320500',
          partyNature: '150',
        },
      },
    );
    const created = await req('POST', '/v1/contracts', w.owner, body);
    expect(created.statusCode, created.body).toBe(201);
    const res = await req('POST', `/v1/contracts/${created.json().id}/submit`, w.owner);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ reason: 'missing', achievementId });
  });

  it('is withdrawn by its owner during the period, and then never clears the gate', async () => {
    const achievementId = await publishedAchievement(w);
    const notice = await publish(achievementId);
    const url = `/v1/public-notices/${notice.id}/withdraw`;
    expect((await req('POST', url, w.stranger, {})).statusCode).toBe(403);
    expect((await req('POST', url, undefined, {})).statusCode).toBe(401);
    const unknown = '/v1/public-notices/00000000-0000-4000-8000-000000000000/withdraw';
    expect((await req('POST', unknown, w.owner, {})).statusCode).toBe(404);

    const withdrawn = await req('POST', url, w.owner, { reason: '价格重新协商' });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', withdrawReason: '价格重新协商' });
    const again = await req('POST', url, w.owner, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().type).toContain('price-notice-withdrawn');
    const objection = await req('POST', `/v1/public-notices/${notice.id}/objections`, w.stranger, {
      name: '王小明',
      text: '异议',
    });
    expect(objection.statusCode).toBe(409);
    expect(objection.json().type).toContain('price-notice-withdrawn');

    // Its period ends without objection, yet it is still withdrawn and the transfer is refused.
    await backdate(notice.id, 30);
    expect((await req('GET', `/v1/public-notices/${notice.id}`)).json().status).toBe('withdrawn');
    // The gate the contracts module runs at submission (a contract draft here would be a duplicate).
    const gate = requireClearedNotices(
      w.ctx.database.db,
      {
        type: 'transfer',
        seller: { creditCode: w.uni.creditCode },
        buyer: { name: '测试新能源有限公司', creditCode: w.ent.creditCode },
        achievementIds: [achievementId],
      },
      new Date(),
    );
    await expect(gate).rejects.toMatchObject({
      status: 409,
      code: 'contract-price-notice-required',
      extensions: { achievementId, reason: 'missing' },
    });

    const events = await w.ctx.database.db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.subjectId, notice.id), eq(webhookEvents.type, 'price-notice.withdrawn')));
    expect(events).toHaveLength(1);
    const audit = await w.ctx.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.objectId, notice.id), eq(auditEvents.action, 'price-notice.withdrawn')));
    expect(audit.map((a) => a.actorId)).toHaveLength(1);

    // After its period a notice can no longer be withdrawn.
    const ended = await publish(await publishedAchievement(w));
    await backdate(ended.id, 30);
    const late = await req('POST', `/v1/public-notices/${ended.id}/withdraw`, w.owner, {});
    expect(late.statusCode).toBe(409);
    expect(late.json().type).toContain('price-notice-period-over');
  });

  it('is published by the owner only, with a valid counterparty credit code', async () => {
    const achievementId = await publishedAchievement(w);
    const res = await req('POST', '/v1/public-notices', w.buyer, {
      achievementId,
      mode: 'licence',
      priceFen: 100,
      counterparty: { name: '某公司' },
    });
    expect(res.statusCode).toBe(403);
    const bad = await req('POST', '/v1/public-notices', w.owner, {
      achievementId,
      mode: 'licence',
      priceFen: 100,
      counterparty: { name: '某公司', creditCode: '91320000000000000X' },
    });
    expect(bad.statusCode).toBe(422);
  });

  it('takes its period from the organisation policy, in working days on the holiday calendar', async () => {
    const url = `/v1/organisations/${w.uni.id}/price-notice-policy`;
    expect((await req('GET', url, w.owner)).json()).toMatchObject({
      periodDays: 15,
      dayKind: 'calendar',
      isDefault: true,
    });
    expect((await req('PUT', url, w.owner, { periodDays: 10, dayKind: 'working' })).statusCode).toBe(403);
    expect((await req('GET', url, w.stranger)).statusCode).toBe(403);
    const set = await req('PUT', url, admin, { periodDays: 10, dayKind: 'working' });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ periodDays: 10, dayKind: 'working', isDefault: false });
    const tooLong = await req('PUT', url, w.operator, { periodDays: 91, dayKind: 'working' });
    expect(tooLong.statusCode).toBe(400);

    const notice = await publish(await publishedAchievement(w));
    expect(notice).toMatchObject({ periodDays: 10, dayKind: 'working' });
    expect(Date.parse(notice.endsAt)).toBeGreaterThanOrEqual(Date.parse(notice.startsAt) + 12 * DAY);
    // Back to the default for the other tests of this file.
    await req('PUT', url, w.operator, { periodDays: 15, dayKind: 'calendar' });
  });
});

describe('the period', () => {
  it('counts calendar days after the day of publication, to midnight China time', () => {
    // 2025-09-30 10:00 China time: 15 days end with 15 October.
    const start = new Date('2025-09-30T02:00:00Z');
    expect(periodEnd(start, 15, 'calendar', PRC_CALENDAR).toISOString()).toBe('2025-10-15T16:00:00.000Z');
    // Late evening UTC is the next China day already.
    expect(periodEnd(new Date('2025-09-29T17:00:00Z'), 1, 'calendar', PRC_CALENDAR).toISOString()).toBe(
      '2025-10-01T16:00:00.000Z',
    );
  });

  it('skips the National Day holiday and counts the adjusted Saturday in working days', () => {
    // After 30 Sep: 1–8 Oct off, 9 (Thu), 10 (Fri), 11 (Sat, 调休 working day), 13, 14.
    const start = new Date('2025-09-30T02:00:00Z');
    expect(periodEnd(start, 5, 'working', PRC_CALENDAR).toISOString()).toBe('2025-10-14T16:00:00.000Z');
  });

  it('masks the objector name', () => {
    expect(maskName('王小明')).toBe('王**');
    expect(maskName('李四')).toBe('李*');
    expect(maskName('欧阳修文心')).toBe('欧***');
  });
});

describe('a non-state-funded owner', () => {
  it('publishes no notice (422), and its transfers are not gated', async () => {
    const company = await createOrganisation(w.ctx, {
      type: 'enterprise',
      subCentre: w.sub,
      verified: true,
      creditCode: randomCreditCode(w.sub.code),
    });
    const member = await createActor(w.ctx, { organisation: company });
    const created = await req('POST', '/v1/achievements', member, achievementFixture(Date.now() % 1e6));
    expect(created.statusCode, created.body).toBe(201);
    const achievementId = created.json().id as string;
    await req('POST', `/v1/achievements/${achievementId}/transitions`, member, { action: 'submit' });
    const ok = await req('POST', `/v1/achievements/${achievementId}/transitions`, w.registrar, {
      action: 'approve',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const res = await req('POST', '/v1/public-notices', member, {
      achievementId,
      mode: 'transfer',
      priceFen: 100,
      counterparty: { name: '某公司' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().type).toContain('price-notice-not-state-funded');
    const contract = await req(
      'POST',
      '/v1/contracts',
      member,
      application(
        { sellerCode: company.creditCode!, subCentre: w.sub },
        { type: 'transfer', subtype: 'technical_secret', achievementIds: [achievementId] },
      ),
    );
    expect(contract.statusCode, contract.body).toBe(201);
    const submitted = await req('POST', `/v1/contracts/${contract.json().id}/submit`, member);
    expect(submitted.statusCode, submitted.body).toBe(200);
  });
});

describe('the demo notice', () => {
  it('is published for a state-funded owner of a public achievement, in its period', async () => {
    await publishedAchievement(w);
    const id = await seedDemoNotice(w.ctx.database.db, { force: true });
    expect(id).toBeDefined();
    const res = await req('GET', `/v1/public-notices/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'in_period', periodDays: 15, mode: 'transfer' });
    const org = await findOrganisation(w.ctx.database.db, res.json().organisationId);
    expect(['university', 'institute']).toContain(org?.type);
  });
});
