import { beforeAll, describe, expect, it } from 'vitest';
import { createClientActor } from '../../test/actors.js';
import {
  BUYER_CONTACT,
  express,
  needOf,
  publishedAchievement,
  useWorld,
  type World,
} from '../../test/fixtures/interests.js';

/** Who may express interest in what, who sees an interest, lists, and malformed input. */
const world = useWorld();
const { req } = world;
let w: World;
let achievementId: string;

beforeAll(async () => {
  ({ w } = world);
  achievementId = await publishedAchievement(w);
});

const body = (over: object = {}) => ({
  achievementId,
  message: '希望了解许可条件',
  contact: BUYER_CONTACT,
  ...over,
});
const problemType = (res: { json(): { type: string } }) => res.json().type.split('/').pop();

describe('expressing interest', () => {
  it('needs a signed-in caller with interests:write, acting for a verified organisation', async () => {
    expect((await req('POST', '/v1/interests', undefined, body())).statusCode).toBe(401);
    const unverified = await req('POST', '/v1/interests', w.unverified, body());
    expect(unverified.statusCode).toBe(403);
    expect(problemType(unverified)).toBe('interest-organisation-unverified');
    const readOnly = await createClientActor(w.ctx, w.ent, ['catalog:read']);
    expect((await req('POST', '/v1/interests', readOnly, body())).statusCode).toBe(403);
    const noOrg = await req('POST', '/v1/interests', w.operator, body());
    expect(noOrg.statusCode).toBe(422);
    expect(problemType(noOrg)).toBe('interest-organisation-required');
  });

  it('refuses the own achievement, an unpublished one and a need of another organisation', async () => {
    const own = await req('POST', '/v1/interests', w.owner, body());
    expect(own.statusCode).toBe(422);
    expect(problemType(own)).toBe('interest-own-achievement');

    const draft = await req('POST', '/v1/achievements', w.owner, {
      ...(await import('../../test/fixtures/catalog.js')).achievementFixture(900_000 + (Date.now() % 1e5)),
    });
    const hidden = await req('POST', '/v1/interests', w.buyer, body({ achievementId: draft.json().id }));
    expect(hidden.statusCode).toBe(404);
    const missing = await req('POST', '/v1/interests', w.buyer, body({ achievementId: w.ent.id }));
    expect(missing.statusCode).toBe(404);

    const strangersNeed = await needOf(w, w.stranger);
    const need = await req('POST', '/v1/interests', w.buyer, body({ needId: strangersNeed }));
    expect(need.statusCode).toBe(422);
    expect(problemType(need)).toBe('interest-need-invalid');
  });

  it('allows one open interest per organisation and achievement: the second is 409 pointing at the first', async () => {
    const id = await publishedAchievement(w);
    const first = await express(w, id);
    // Another member of the same organisation, or its machine client: same organisation, same answer.
    for (const actor of [w.buyer, w.buyer2, await createClientActor(w.ctx, w.ent, ['interests:write'])]) {
      const dup = await req('POST', '/v1/interests', actor, body({ achievementId: id }));
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({
        existingInterestId: first.id,
        existingInterest: `/v1/interests/${first.id}`,
      });
    }
    // Another organisation may still express interest in it.
    await express(w, id, w.stranger);
    // Once withdrawn, a new one is allowed.
    expect((await req('POST', `/v1/interests/${first.id}/withdraw`, w.buyer, {})).statusCode).toBe(200);
    expect((await express(w, id)).id).not.toBe(first.id);
  });

  it('two simultaneous expressions by one organisation: one is created, the other is 409 pointing at it', async () => {
    const id = await publishedAchievement(w);
    const answers = await Promise.all(
      [w.buyer, w.buyer2].map((actor) => req('POST', '/v1/interests', actor, body({ achievementId: id }))),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const created = answers.find((r) => r.statusCode === 201)!.json().id;
    expect(answers.find((r) => r.statusCode === 409)!.json().existingInterestId).toBe(created);
  });

  it('answers malformed input with 400 problem+json naming the fields', async () => {
    const cases: object[] = [
      {},
      body({ achievementId: 'not-a-uuid' }),
      body({ message: '' }),
      body({ message: 'x'.repeat(2001) }),
      body({ contact: { phone: '13912345678' } }),
      body({ contact: { name: '刘', phone: '1'.repeat(31) } }),
      body({ extra: true }),
      body({ needId: 42 }),
    ];
    for (const payload of cases) {
      const res = await req('POST', '/v1/interests', w.buyer, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().errors?.length, JSON.stringify(payload)).toBeGreaterThan(0);
    }
    const badId = await req('GET', '/v1/interests/nope', w.buyer);
    expect(badId.statusCode).toBe(400);
    const badRole = await req('GET', '/v1/interests?role=everyone', w.buyer);
    expect(badRole.statusCode).toBe(400);
  });
});

describe('seeing interests', () => {
  it('only the two organisations and operators see an interest; others get 404 and find nothing in lists', async () => {
    const id = await publishedAchievement(w);
    const interest = await express(w, id);
    for (const actor of [w.owner, w.buyer, w.buyer2, w.operator])
      expect((await req('GET', `/v1/interests/${interest.id}`, actor)).statusCode).toBe(200);
    for (const actor of [w.stranger, w.unverified]) {
      const res = await req('GET', `/v1/interests/${interest.id}`, actor);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const list = await req('GET', `/v1/interests?achievementId=${id}`, actor);
      expect(list.json().items).toEqual([]);
    }
    expect((await req('GET', `/v1/interests/${interest.id}`)).statusCode).toBe(401);
  });

  it('lists sent and received interests, filtered by status, page by page, without contacts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await express(w, await publishedAchievement(w))).id);
    const sent = await req('GET', '/v1/interests?role=sent&status=pending&limit=2', w.buyer);
    expect(sent.statusCode).toBe(200);
    const page1 = sent.json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBeTruthy();
    expect(JSON.stringify(page1)).not.toMatch(/contact|1391234|139\*/);
    const page2 = (
      await req('GET', `/v1/interests?role=sent&status=pending&limit=2&cursor=${page1.nextCursor}`, w.buyer)
    ).json();
    const seen = [...page1.items, ...page2.items].map((x: { id: string }) => x.id);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);
    for (const x of [...page1.items, ...page2.items])
      expect(x).toMatchObject({ status: 'pending', interestedOrganisationId: w.ent.id });

    const received = (await req('GET', '/v1/interests?role=received&limit=100', w.owner)).json();
    expect(received.items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(ids));
    expect((await req('GET', '/v1/interests?role=received', w.buyer)).json().items).toEqual([]);
    // A cursor from another list is refused.
    const wrong = await req('GET', `/v1/interests?role=received&cursor=${page1.nextCursor}`, w.owner);
    expect(wrong.statusCode).toBe(400);
  });
});
