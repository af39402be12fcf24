import { beforeAll, describe, expect, it } from 'vitest';
import type { TestActor } from '../../test/actors.js';
import {
  BUYER_CONTACT,
  express,
  type InterestJson,
  needOf,
  publishedAchievement,
  useWorld,
  type World,
} from '../../test/fixtures/interests.js';

/** The allowed lifecycle end to end: contacts, NDA, listing status, notifications, events, history. */
const world = useWorld();
const { req } = world;
let w: World;

beforeAll(() => {
  ({ w } = world);
});

const step = async (id: string, action: string, actor: TestActor, body?: object) => {
  const res = await req('POST', `/v1/interests/${id}/${action}`, actor, body ?? {});
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as InterestJson;
};

async function inbox(actor: TestActor, interestId: string) {
  const res = await req('GET', '/v1/notifications?limit=100', actor);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().items as { kind: string; data: { interestId: string } }[])
    .filter((x) => x.data.interestId === interestId)
    .map((x) => x.kind)
    .sort();
}

describe('an interest from expression to a deal', () => {
  it('is expressed, accepted, negotiated and concluded, with contacts and the NDA released on acceptance', async () => {
    const achievementId = await publishedAchievement(w);
    const needId = await needOf(w, w.buyer);
    const created = await express(w, achievementId, w.buyer, { needId });
    expect(created).toMatchObject({ status: 'pending', needId, contactsReleased: false });

    // Before acceptance: the counter-party's phone and e-mail are masked; a side's own are not.
    expect(created.contacts.achievement[0]!.phone).toBe('138****5678');
    expect(created.contacts.interested).toEqual(BUYER_CONTACT);
    const asOwner = (await req('GET', `/v1/interests/${created.id}`, w.owner)).json() as InterestJson;
    expect(asOwner.contacts.interested).toEqual({
      name: '刘经理',
      phone: '139****5678',
      email: 'l***@example.com',
    });
    // The confidential part is not visible to the enterprise yet.
    const before = (await req('GET', `/v1/achievements/${achievementId}`, w.buyer)).json();
    expect(before.confidential).toBeUndefined();
    expect(before.ndaAccepted).toBe(false);

    const accepted = await step(created.id, 'accept', w.owner, { note: '欢迎洽谈' });
    expect(accepted).toMatchObject({ status: 'accepted', contactsReleased: true });
    // The owner now sees the interested party's contact person in full, and vice versa.
    expect(accepted.contacts.interested).toEqual(BUYER_CONTACT);
    expect(accepted.contacts.achievement[0]!.phone).toBe('13812345678'); // the owner's own contact
    const asBuyer = (await req('GET', `/v1/interests/${created.id}`, w.buyer)).json() as InterestJson;
    expect(asBuyer.contacts.achievement[0]).toEqual({
      name: '张老师',
      phone: '13812345678',
      email: 'zhang@example.edu.cn',
    });
    expect(asBuyer.contacts.interested).toEqual(BUYER_CONTACT); // its own, as submitted
    // The operator sees the interest, masked.
    const asOperator = (await req('GET', `/v1/interests/${created.id}`, w.operator)).json() as InterestJson;
    expect(asOperator.contacts.interested.phone).toBe('139****5678');
    expect(asOperator.contacts.achievement[0]!.phone).toBe('138****5678');

    // The NDA was recorded for the enterprise: the confidential part is now visible to it.
    const after = (await req('GET', `/v1/achievements/${achievementId}`, w.buyer)).json();
    expect(after.ndaAccepted).toBe(true);
    expect(after.confidential).toMatchObject({ notes: '工艺窗口详见技术文件' });
    const { rows: ndas } = await w.ctx.database.pool.query(
      'SELECT organisation_id, accepted_by FROM catalog_ndas WHERE listing_id = $1',
      [achievementId],
    );
    expect(ndas).toEqual([{ organisation_id: w.ent.id, accepted_by: w.buyer.userId }]);
    // Still hidden from an organisation that is not a party.
    expect(
      (await req('GET', `/v1/achievements/${achievementId}`, w.stranger)).json().confidential,
    ).toBeUndefined();

    // Either side moves it on; the listing shows as in negotiation through the catalog.
    expect((await step(created.id, 'negotiate', w.buyer)).status).toBe('negotiating');
    expect((await req('GET', `/v1/achievements/${achievementId}`, w.stranger)).json().status).toBe(
      'in_negotiation',
    );
    const deal = await step(created.id, 'deal', w.owner);
    expect(deal.status).toBe('deal');
    expect(deal.history.map((h) => [h.action, h.fromStatus, h.toStatus])).toEqual([
      ['created', null, 'pending'],
      ['accept', 'pending', 'accepted'],
      ['negotiate', 'accepted', 'negotiating'],
      ['deal', 'negotiating', 'deal'],
    ]);
    expect(deal.history.map((h) => h.actorOrganisationId)).toEqual([w.ent.id, w.uni.id, w.ent.id, w.uni.id]);

    // Both organisations were told of every step exactly once (any member sees the organisation's inbox).
    const steps = ['interest.accept', 'interest.created', 'interest.deal', 'interest.negotiate'];
    expect(await inbox(w.owner, created.id)).toEqual(steps);
    expect(await inbox(w.buyer2, created.id)).toEqual(steps);
    expect(await inbox(w.stranger, created.id)).toEqual([]);

    // One webhook event per step, addressed to the two organisations only; no personal data in it.
    const { rows: events } = await w.ctx.database.pool.query(
      'SELECT type, organisation_ids, data FROM webhook_events WHERE subject_id = $1 ORDER BY id',
      [created.id],
    );
    expect(events.map((e) => e.type)).toEqual([
      'interest.created',
      'interest.answered',
      'interest.negotiating',
      'interest.deal',
    ]);
    for (const e of events) {
      expect([...e.organisation_ids].sort()).toEqual([w.uni.id, w.ent.id].sort());
      expect(JSON.stringify(e.data)).not.toMatch(/1391234|1381234|liu@/);
      // Ids, numbers, dates and codes only: no free text such as the achievement's title.
      expect(e.data).not.toHaveProperty('achievementTitle');
      expect(e.data).toMatchObject({ interestId: created.id, status: expect.any(String) });
    }
    // The listing's own events tell its status changes apart although its content version stays:
    // a partner deduplicating on (id, version, status) keeps each of them.
    const { rows: listingEvents } = await w.ctx.database.pool.query(
      "SELECT data FROM webhook_events WHERE subject_id = $1 AND type = 'achievement.updated' ORDER BY id",
      [achievementId],
    );
    const seen = listingEvents.map((e) => `${e.data.version}/${e.data.status}`);
    expect(seen.some((k) => k.endsWith('/in_negotiation'))).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    // Every step audited.
    const { rows: audit } = await w.ctx.database.pool.query(
      "SELECT action FROM audit_events WHERE object_type = 'interest' AND object_id = $1 ORDER BY occurred_at, id",
      [created.id],
    );
    expect(audit.map((a) => a.action)).toEqual([
      'interest.created',
      'interest.accept',
      'interest.negotiate',
      'interest.deal',
    ]);
  });

  it('releases nothing and records no NDA when declined; an achievement without confidential details needs no NDA', async () => {
    const plain = await publishedAchievement(w, { confidential: undefined });
    const a = await express(w, plain);
    const accepted = await step(a.id, 'accept', w.owner);
    expect(accepted.contactsReleased).toBe(true);
    const { rows } = await w.ctx.database.pool.query('SELECT 1 FROM catalog_ndas WHERE listing_id = $1', [
      plain,
    ]);
    expect(rows).toEqual([]);

    const secret = await publishedAchievement(w);
    const b = await express(w, secret);
    const declined = await step(b.id, 'decline', w.owner, { reason: { code: 'price_unsuitable' } });
    expect(declined).toMatchObject({
      status: 'declined',
      contactsReleased: false,
      declineReason: { code: 'price_unsuitable' },
    });
    const asBuyer = (await req('GET', `/v1/interests/${b.id}`, w.buyer)).json() as InterestJson;
    expect(asBuyer.contacts.achievement[0]!.phone).toBe('138****5678');
    expect((await req('GET', `/v1/achievements/${secret}`, w.buyer)).json().confidential).toBeUndefined();
    // A declined interest is not open: the enterprise may express interest again.
    const again = await express(w, secret);
    expect(again.id).not.toBe(b.id);
    // The decline's words stay out of the webhook: its code travels, its text and note do not.
    await step(again.id, 'decline', w.owner, {
      reason: { code: 'other', text: '转化方式不合适' },
      note: '下次再谈',
    });
    const { rows: events } = await w.ctx.database.pool.query(
      `SELECT data FROM webhook_events WHERE subject_id = $1 AND type = 'interest.answered'`,
      [again.id],
    );
    expect(events).toHaveLength(1);
    expect(events[0].data.reason).toEqual({ code: 'other' });
    expect(JSON.stringify(events[0].data)).not.toMatch(/转化方式不合适|下次再谈/);
  });
});
