import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { createWorld, publishedAchievement, type World } from '../../test/fixtures/interests.js';
import { webhookEvents } from '../integration/schema.js';
import { financingRoutes } from './routes.js';

/** A roadshow walked through the API: investors, presentations, matches with reasons, an investment interest. */
let w: World;
let entAdmin: TestActor;
let organiser: TestActor;
let strangerAdmin: TestActor;

type Method = 'GET' | 'POST' | 'PUT';
const req = (method: Method, url: string, actor?: TestActor, payload?: object) =>
  w.app.inject({ method, url, headers: actor?.headers ?? {}, ...(payload ? { payload } : {}) });
const ok = async (status: number, method: Method, url: string, actor?: TestActor, payload?: object) => {
  const res = await req(method, url, actor, payload);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json();
};

beforeAll(async () => {
  w = await createWorld([financingRoutes]);
  entAdmin = await createActor(w.ctx, { organisation: w.ent, orgRole: 'org_admin' });
  const organiserOrg = await createOrganisation(w.ctx, { verified: true });
  organiser = await createActor(w.ctx, { organisation: organiserOrg, orgRole: 'org_admin' });
  const strangerOrg = await createOrganisation(w.ctx, { verified: true });
  strangerAdmin = await createActor(w.ctx, { organisation: strangerOrg, orgRole: 'org_admin' });
});
afterAll(async () => {
  await w?.close();
});

const INVESTOR_CONTACT = { name: '陈总', phone: '13700001234', email: 'chen@vc.example.com' };
const OWNER_CONTACT = { name: '张老师', phone: '13600005678', email: 'zhang@uni.example.edu.cn' };

describe('a roadshow', () => {
  it('is created, presented at, registered for, matched with reasons, and ends in an accepted investment interest', async () => {
    // The enterprise states its investor profile: 天使/A rounds, fields 01 and 03, 1–10 million yuan.
    const profile = {
      stages: ['angel', 'a'],
      fields: ['01', '03'],
      ticketMinFen: 1_000_000_00,
      ticketMaxFen: 10_000_000_00,
    };
    expect((await req('PUT', `/v1/investors/${w.ent.id}`, w.buyer, profile)).statusCode).toBe(403);
    expect((await req('PUT', `/v1/investors/${w.ent.id}`, organiser, profile)).statusCode).toBe(403);
    const badRange = await req('PUT', `/v1/investors/${w.ent.id}`, entAdmin, {
      ...profile,
      ticketMinFen: 2e11,
    });
    expect(badRange.statusCode).toBe(400);
    expect((await ok(200, 'PUT', `/v1/investors/${w.ent.id}`, entAdmin, profile)).ticketMaxFen).toBe(
      10_000_000_00,
    );
    expect((await ok(200, 'GET', `/v1/investors/${w.ent.id}`)).stages).toEqual(['angel', 'a']);
    const covering = await ok(200, 'GET', `/v1/investors?stage=angel&amountFen=500000000&limit=100`);
    expect(covering.items.map((i: { organisationId: string }) => i.organisationId)).toContain(w.ent.id);

    // The organiser creates a hybrid roadshow (a place and a URL are required).
    const event = {
      title: '新材料专场路演',
      startsAt: '2027-05-20T01:00:00Z',
      endsAt: '2027-05-20T05:00:00Z',
      mode: 'hybrid',
      place: '南京市江北新区',
      url: 'https://live.example.com/roadshow/1',
      fields: ['03'],
    };
    const noPlace = await req('POST', '/v1/roadshows', organiser, { ...event, place: undefined });
    expect(noPlace.statusCode).toBe(400);
    expect((await req('POST', '/v1/roadshows', w.buyer, event)).statusCode).toBe(403);
    const show = await ok(201, 'POST', '/v1/roadshows', organiser, event);
    const base = `/v1/roadshows/${show.id}`;

    // The achievement's owner applies; another organisation may not present it; once per roadshow.
    const achievementId = await publishedAchievement(w);
    const apply = { achievementId, stage: 'angel', askFen: 5_000_000_00, summary: '高镍正极连续化制备' };
    const notOwn = await req('POST', `${base}/presentations`, w.buyer, apply);
    expect(notOwn.statusCode).toBe(422);
    const mine = await ok(201, 'POST', `${base}/presentations`, w.owner, apply);
    expect(mine).toMatchObject({ status: 'pending', fields: ['03'], achievementId });
    expect((await req('POST', `${base}/presentations`, w.owner, apply)).statusCode).toBe(409);
    // A project without an achievement, nothing like the investor's profile.
    const other = await ok(201, 'POST', `${base}/presentations`, strangerAdmin, {
      title: '海上风电运维机器人',
      stage: 'b',
      askFen: 50_000_000_00,
      fields: ['05'],
    });

    // Pending presentations: the organiser and the presenter see them; the public does not.
    expect((await ok(200, 'GET', base)).presentations).toEqual([]);
    expect((await ok(200, 'GET', base, w.owner)).presentations.map((x: { id: string }) => x.id)).toEqual([
      mine.id,
    ]);
    expect((await ok(200, 'GET', base, organiser)).presentations).toHaveLength(2);
    const decide = (id: string, by: TestActor, decision = 'accept') =>
      req('POST', `${base}/presentations/${id}/decision`, by, { decision });
    expect((await decide(mine.id, w.owner)).statusCode).toBe(403);
    expect((await decide(mine.id, organiser)).statusCode).toBe(200);
    expect((await decide(other.id, organiser)).statusCode).toBe(200);
    expect((await decide(mine.id, organiser, 'decline')).statusCode).toBe(409);
    expect((await ok(200, 'GET', base)).presentations).toHaveLength(2);

    // Investors register: a profile is needed.
    expect((await req('POST', `${base}/investors`, strangerAdmin)).statusCode).toBe(422);
    const registered = await ok(200, 'POST', `${base}/investors`, w.buyer);
    expect(registered).toMatchObject({ registered: true, investorCount: 1 });
    expect(registered.investorOrganisationIds).toBeUndefined();
    expect((await ok(200, 'GET', base, organiser)).investorOrganisationIds).toEqual([w.ent.id]);

    // Matching: only what is true of the two. The wind-power project shares nothing: no match.
    const matches = await ok(200, 'GET', `${base}/matches`, organiser);
    expect(matches.items).toHaveLength(1);
    expect(matches.items[0]).toMatchObject({
      investorOrganisationId: w.ent.id,
      presentationId: mine.id,
      score: 3,
    });
    expect(matches.items[0].reasons.map((r: { code: string }) => r.code)).toEqual([
      'field_overlap',
      'stage_fit',
      'ticket_fit',
    ]);
    expect(matches.items[0].reasons[0]).toMatchObject({ fields: ['03'] });
    expect(matches.items[0].reasons[2]).toMatchObject({ askFen: 5_000_000_00, ticketMinFen: 1_000_000_00 });
    expect((await ok(200, 'GET', `${base}/matches`, w.buyer)).items).toHaveLength(1);
    expect((await ok(200, 'GET', `${base}/matches`, strangerAdmin)).items).toEqual([]);
    expect((await req('GET', `${base}/matches`, w.unverified)).statusCode).toBe(403);

    // Investment interest: the investor's contact is masked to the owner until acceptance.
    const created = await ok(201, 'POST', '/v1/investment-interests', w.buyer, {
      presentationId: mine.id,
      message: '拟领投天使轮',
      amountFen: 3_000_000_00,
      contact: INVESTOR_CONTACT,
    });
    expect(created).toMatchObject({ status: 'submitted', contactsReleased: false });
    expect(created.contacts).toEqual({ investor: INVESTOR_CONTACT, owner: null });
    const again = await req('POST', '/v1/investment-interests', w.buyer, {
      presentationId: mine.id,
      message: '再来一次',
      contact: INVESTOR_CONTACT,
    });
    expect(again.statusCode).toBe(409);
    const url = `/v1/investment-interests/${created.id}`;
    const asOwner = await ok(200, 'GET', url, w.owner);
    expect(asOwner.contacts.investor).toEqual({
      name: '陈总',
      phone: '137****1234',
      email: 'c***@vc.example.com',
    });
    expect(asOwner.allowedActions).toEqual(['accept', 'decline']);
    expect((await req('GET', url, w.stranger)).statusCode).toBe(404);
    expect((await req('POST', `${url}/accept`, w.buyer, { contact: INVESTOR_CONTACT })).statusCode).toBe(403);
    expect((await req('POST', `${url}/accept`, w.owner, {})).statusCode).toBe(400);

    const accepted = await ok(200, 'POST', `${url}/accept`, w.owner, { contact: OWNER_CONTACT });
    expect(accepted).toMatchObject({ status: 'accepted', contactsReleased: true });
    expect(accepted.contacts).toEqual({ investor: INVESTOR_CONTACT, owner: OWNER_CONTACT });
    const asInvestor = await ok(200, 'GET', url, w.buyer2);
    expect(asInvestor.contacts.owner).toEqual(OWNER_CONTACT);
    const asOperator = await ok(200, 'GET', url, w.operator);
    expect(asOperator.contacts.owner.phone).toBe('136****5678');
    expect((await req('POST', `${url}/decline`, w.owner, { reason: { code: 'other' } })).statusCode).toBe(
      409,
    );

    const withdrawn = await ok(200, 'POST', `${url}/withdraw`, w.buyer, {});
    expect(withdrawn.history.map((h: { action: string }) => h.action)).toEqual([
      'created',
      'accept',
      'withdraw',
    ]);

    // The trail: audit, webhook events to both organisations only, and no contact in them.
    const events = await w.ctx.database.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.subjectId, created.id));
    expect(events.map((e) => e.type).sort()).toEqual([
      'investment-interest.answered',
      'investment-interest.created',
      'investment-interest.withdrawn',
    ]);
    for (const e of events) expect(new Set(e.organisationIds)).toEqual(new Set([w.uni.id, w.ent.id]));
    expect(JSON.stringify(events.map((e) => e.data))).not.toMatch(/1370000|1360000|拟领投/);
    const audit = await w.ctx.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.objectId, created.id));
    expect(audit).toHaveLength(3);
    const list = await ok(200, 'GET', '/v1/investment-interests?role=received&limit=100', w.owner);
    expect(list.items.map((i: { id: string }) => i.id)).toContain(created.id);
  });
});
