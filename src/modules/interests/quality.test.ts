import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestActor } from '../../test/actors.js';
import {
  express,
  needOf,
  publishedAchievement,
  useWorld,
  type World,
} from '../../test/fixtures/interests.js';
import { interests } from './schema.js';

/**
 * Interests remember the match list they came from (origin), and operators read the matching
 * quality report built from them (issue 13 item 5). The report is global, so every origin here
 * carries a ranking version of this file's own and only that version's rows are asserted.
 */
const world = useWorld();
const { req } = world;
let w: World;
let version: string;

beforeAll(() => {
  ({ w } = world);
  version = `test-${w.ctx.tag}`;
});

const step = async (id: string, action: string, actor: TestActor, body: object = {}) => {
  const res = await req('POST', `/v1/interests/${id}/${action}`, actor, body);
  expect(res.statusCode, res.body).toBe(200);
};

interface VersionRow {
  rankingVersion: string;
  interests: number;
  ranks: Record<string, number>;
  meanRank: number | null;
  accepted: number;
  declinedNeedMismatch: number;
}
interface MonthRow {
  month: string;
  interests: number;
  fromMatches: number;
  versions: VersionRow[];
}

async function report(query = '') {
  const res = await req('GET', `/v1/admin/matching/quality${query}`, w.operator);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { from: string; to: string; months: MonthRow[] };
}
const ours = (m: MonthRow | undefined) => m?.versions.find((v) => v.rankingVersion === version);

describe('interests from match lists', () => {
  it('keep their origin, shown to both parties', async () => {
    const achievementId = await publishedAchievement(w);
    const needId = await needOf(w, w.buyer);
    const origin = { kind: 'match', needId, rank: 2, rankingVersion: version };
    const created = await express(w, achievementId, w.buyer, { needId, origin });
    expect((created as unknown as { origin: unknown }).origin).toEqual(origin);
    const asOwner = await req('GET', `/v1/interests/${created.id}`, w.owner);
    expect(asOwner.json().origin).toEqual(origin);
    const list = await req('GET', `/v1/interests?role=received&achievementId=${achievementId}`, w.owner);
    expect(list.json().items[0].origin).toEqual(origin);
    // without an origin: not from a match
    const plain = await express(w, await publishedAchievement(w), w.buyer);
    expect((plain as unknown as { origin: unknown }).origin).toBeNull();
  });

  it('refuses a bad origin with a 400 problem, and a list the caller cannot see with 422', async () => {
    const achievementId = await publishedAchievement(w);
    const base = { achievementId, message: '意向', contact: { name: '刘经理' } };
    const good = { kind: 'match', rank: 1, rankingVersion: version };
    for (const origin of [
      { ...good, rank: 0 },
      { ...good, rank: 1001 },
      { ...good, rank: 1.5 },
      { ...good, rankingVersion: '' },
      { ...good, rankingVersion: 'v'.repeat(65) },
      { ...good, rankingVersion: 'bm25f <script>' },
      { ...good, kind: 'search' },
      { ...good, needId: 'not-a-uuid' },
      { ...good, extra: 1 },
      { kind: 'match', rankingVersion: version },
      { ...good, needId: await needOf(w, w.buyer), achievementId },
    ]) {
      const res = await req('POST', '/v1/interests', w.buyer, { ...base, origin });
      expect(res.statusCode, JSON.stringify(origin)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors?.length, JSON.stringify(origin)).toBeGreaterThan(0);
    }
    // another organisation's draft need: not a list this caller could have seen
    const hidden = await needOf(w, w.stranger);
    const res = await req('POST', '/v1/interests', w.buyer, { ...base, origin: { ...good, needId: hidden } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().type).toContain('interest-origin-invalid');
  });
});

describe('GET /v1/admin/matching/quality', () => {
  it('counts interests from matches per China-time month and ranking version: ranks, accepted, need_mismatch', async () => {
    const before = ours((await report()).months.at(-1));
    const first = await express(w, await publishedAchievement(w), w.buyer, {
      origin: { kind: 'match', rank: 1, rankingVersion: version },
    });
    const third = await express(w, await publishedAchievement(w), w.buyer, {
      origin: { kind: 'match', rank: 3, rankingVersion: version },
    });
    const seventh = await express(w, await publishedAchievement(w), w.stranger, {
      origin: { kind: 'match', rank: 7, rankingVersion: version },
    });
    await step(first.id, 'accept', w.owner);
    await step(first.id, 'negotiate', w.buyer);
    await step(third.id, 'decline', w.owner, { reason: { code: 'need_mismatch' } });
    await step(seventh.id, 'decline', w.owner, { reason: { code: 'price_unsuitable' } });

    const now = await report();
    expect(now.months).toHaveLength(12);
    const month = now.months.at(-1)!;
    expect(month.month).toBe(now.to);
    const row = ours(month)!;
    const was = before ?? {
      interests: 0,
      accepted: 0,
      declinedNeedMismatch: 0,
      ranks: {} as Record<string, number>,
    };
    expect(row.interests - was.interests).toBe(3);
    expect((row.ranks['1'] ?? 0) - (was.ranks['1'] ?? 0)).toBe(1);
    expect((row.ranks['2-3'] ?? 0) - (was.ranks['2-3'] ?? 0)).toBe(1);
    expect((row.ranks['4-10'] ?? 0) - (was.ranks['4-10'] ?? 0)).toBe(1);
    expect((row.ranks['11+'] ?? 0) - (was.ranks['11+'] ?? 0)).toBe(0);
    expect(row.accepted - was.accepted).toBe(1);
    expect(row.declinedNeedMismatch - was.declinedNeedMismatch).toBe(1);
    expect(month.fromMatches).toBeGreaterThanOrEqual(row.interests);
    expect(month.interests).toBeGreaterThanOrEqual(month.fromMatches);
  });

  it('puts an interest in its China-time month (16:30 UTC on 31 March is 1 April in China)', async () => {
    const late = await express(w, await publishedAchievement(w), w.buyer, {
      origin: { kind: 'match', rank: 12, rankingVersion: version },
    });
    await w.ctx.database.db
      .update(interests)
      .set({ createdAt: new Date('2020-03-31T16:30:00Z') })
      .where(eq(interests.id, late.id));
    const r = await report('?from=2020-03&to=2020-04');
    expect(r.months.map((m) => m.month)).toEqual(['2020-03', '2020-04']);
    expect(ours(r.months[0])).toBeUndefined();
    expect(ours(r.months[1])).toEqual({
      rankingVersion: version,
      interests: 1,
      ranks: { '1': 0, '2-3': 0, '4-10': 0, '11+': 1 },
      meanRank: 12,
      accepted: 0,
      declinedNeedMismatch: 0,
    });
  });

  it('is for operators only, with bounded months', async () => {
    for (const actor of [w.owner, w.buyer, w.registrar]) {
      const res = await req('GET', '/v1/admin/matching/quality', actor);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await req('GET', '/v1/admin/matching/quality')).statusCode).toBe(401);
    for (const query of ['from=2026-13', 'to=2026-1', 'from=2026-05&to=2026-04', 'from=2020-01&to=2022-01']) {
      const res = await req('GET', `/v1/admin/matching/quality?${query}`, w.operator);
      expect(res.statusCode, query).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await report('?from=2020-01&to=2021-12')).months).toHaveLength(24);
  });
});
