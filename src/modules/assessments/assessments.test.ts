import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { createWorld, publishedAchievement, requester, type World } from '../../test/fixtures/interests.js';
import { sha256hex } from '../../test/hashes.js';
import { insertExpert } from '../catalog/directory.js';
import { assessmentsModule } from './module.js';
import { conclude, levelOf, validUntil, weightedX100 } from './rules.js';

let w: World;
let req: ReturnType<typeof requester>;
/** Field 08 (数字创意) is this file's own: no other test file enrols evaluators in it. */
const FIELD = '08';
const independent: { expertId: string; actor: TestActor }[] = [];
const conflicted: Record<'owner' | 'buyer', string> = { owner: '', buyer: '' };
/** Every enrolled expert's own account. */
const accounts = new Map<string, TestActor>();

async function enrolled(organisationId?: string) {
  const expert = await insertExpert(w.ctx.database.db, {
    name: `评价专家${independent.length}`,
    fields: [FIELD],
    organisationId,
  });
  const actor = await createActor(w.ctx, { name: expert.name });
  const res = await req('PUT', `/v1/evaluation-experts/${expert.id}`, w.operator, { userId: actor.userId });
  expect(res.statusCode, res.body).toBe(200);
  accounts.set(expert.id, actor);
  return { expertId: expert.id, actor };
}

beforeAll(async () => {
  w = await createWorld([assessmentsModule.routes!]);
  req = requester(w);
  const third = await createOrganisation(w.ctx, { verified: true });
  for (let i = 0; i < 3; i++) independent.push(await enrolled(i === 0 ? third.id : undefined));
  conflicted.owner = (await enrolled(w.uni.id)).expertId;
  conflicted.buyer = (await enrolled(w.ent.id)).expertId;
});
afterAll(async () => {
  await w?.close();
});

const score = (all: number) => ({ novelty: all, advancement: all, maturity: all, market: all, ip: all });

describe('成果评价', () => {
  it('draws a panel without the experts of the owner or the buyer, recording the conflicts', async () => {
    const achievementId = await publishedAchievement(w);
    const tooMany = await req('POST', '/v1/evaluations', w.owner, {
      achievementId,
      field: FIELD,
      buyerOrganisationId: w.ent.id,
      panelSize: 9,
    });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().type).toContain('evaluation-panel-too-small');
    const noBuyer = await req('POST', '/v1/evaluations', w.owner, {
      achievementId,
      field: FIELD,
      buyerOrganisationId: '01900000-0000-7000-8000-000000000000',
    });
    expect(noBuyer.statusCode).toBe(422);
    // Only the owner (or an operator) orders one.
    const byBuyer = await req('POST', '/v1/evaluations', w.buyer, { achievementId, field: FIELD });
    expect(byBuyer.statusCode).toBe(403);

    const res = await req('POST', '/v1/evaluations', w.owner, {
      achievementId,
      field: FIELD,
      buyerOrganisationId: w.ent.id,
      panelSize: 3,
    });
    expect(res.statusCode, res.body).toBe(201);
    const e = res.json();
    const panel = e.panel.map((m: { expertId: string }) => m.expertId);
    expect(panel).toHaveLength(3);
    expect(panel).not.toContain(conflicted.owner);
    expect(panel).not.toContain(conflicted.buyer);
    expect(e.conflicts).toEqual(
      expect.arrayContaining([
        { expertId: conflicted.owner, organisationId: w.uni.id, reason: 'owner_organisation' },
        { expertId: conflicted.buyer, organisationId: w.ent.id, reason: 'buyer_organisation' },
      ]),
    );
    // A stranger does not see it.
    expect((await req('GET', `/v1/evaluations/${e.id}`, w.stranger)).statusCode).toBe(404);
  });

  it('concludes when every panel expert has scored, with the documented level; each scores as themselves', async () => {
    const achievementId = await publishedAchievement(w);
    const res = await req('POST', '/v1/evaluations', w.owner, { achievementId, field: FIELD, panelSize: 3 });
    expect(res.statusCode, res.body).toBe(201);
    const e = res.json();
    const seats = e.panel.map((m: { expertId: string }) => m.expertId) as string[];
    // No buyer named: only the owner's expert is out (the enterprise's may sit).
    expect(seats).not.toContain(conflicted.owner);
    const url = `/v1/evaluations/${e.id}/scores`;
    expect((await req('POST', url, w.owner, { scores: score(100) })).statusCode).toBe(403);
    expect((await req('POST', url, w.stranger, { scores: score(100) })).statusCode).toBe(404);

    const sheets = [
      score(95),
      score(85),
      { novelty: 90, advancement: 80, maturity: 70, market: 80, ip: 100 },
    ];
    // The panel and operators follow it.
    expect((await req('GET', `/v1/evaluations/${e.id}`, w.operator)).statusCode).toBe(200);
    for (const [i, expertId] of seats.entries()) {
      const actor = accounts.get(expertId);
      if (!actor) throw new Error(`panel seat ${expertId} has no test account`);
      const r = await req('POST', url, actor, { scores: sheets[i], comment: '同意' });
      expect(r.statusCode, r.body).toBe(200);
      if (i === 0) {
        expect(r.json().status).toBe('scoring');
        expect((await req('POST', url, actor, { scores: score(1) })).statusCode).toBe(409);
      }
    }
    const done = (await req('GET', `/v1/evaluations/${e.id}`, w.owner)).json();
    // (9500 + 8500 + 8350) / 3 = 8783.3 → 87.83: 国际先进 (80 ≤ score < 90).
    expect(done).toMatchObject({
      status: 'concluded',
      score: 87.83,
      level: 'international_advanced',
      levelName: '国际先进',
    });
    expect(done.conclusion).toContain('国际先进');

    // The achievement shows it to anyone who sees the achievement.
    const shown = await req('GET', `/v1/achievements/${achievementId}/assessments`);
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json().evaluations).toEqual([
      expect.objectContaining({ id: e.id, level: 'international_advanced', panelSize: 3 }),
    ]);
  });

  it('scores by the published weights and thresholds', () => {
    expect(weightedX100({ novelty: 90, advancement: 80, maturity: 70, market: 80, ip: 100 })).toBe(8350);
    expect(levelOf(9000).level).toBe('international_leading');
    expect(levelOf(8999).level).toBe('international_advanced');
    expect(levelOf(7000).level).toBe('domestic_leading');
    expect(levelOf(6000).level).toBe('domestic_advanced');
    expect(levelOf(5999).level).toBe('domestic_general');
    expect(conclude([score(60), score(59)])).toMatchObject({ scoreX100: 5950, level: 'domestic_general' });
  });
});

describe('资产评估', () => {
  const today = () => new Date(Date.now() + 8 * 3_600_000);
  const isoDaysAgo = (days: number) =>
    new Date(today().getTime() - days * 86_400_000).toISOString().slice(0, 10);

  it('is valid one year from its base date', () => {
    expect(validUntil('2026-03-02')).toBe('2027-03-01');
    expect(validUntil('2024-02-29')).toBe('2025-02-28');
    expect(validUntil('2025-12-31')).toBe('2026-12-30');
  });

  it('is recorded by the owner and shown to those who see the detailed fields', async () => {
    const achievementId = await publishedAchievement(w);
    const body = {
      achievementId,
      method: 'income',
      minFen: 500_000_00,
      maxFen: 800_000_00,
      baseDate: isoDaysAgo(10),
      reportSha256: sha256hex(`report ${achievementId}`),
      appraiser: '江苏某资产评估有限公司',
    };
    expect((await req('POST', '/v1/valuations', w.buyer, body)).statusCode).toBe(403);
    const both = await req('POST', '/v1/valuations', w.owner, { ...body, valueFen: 1 });
    expect(both.statusCode).toBe(422);
    const future = await req('POST', '/v1/valuations', w.owner, { ...body, baseDate: isoDaysAgo(-3) });
    expect(future.statusCode).toBe(422);
    const fresh = await req('POST', '/v1/valuations', w.owner, body);
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(fresh.json()).toMatchObject({
      valid: true,
      validUntil: validUntil(body.baseDate),
      range: { minFen: 500_000_00 },
    });
    const old = await req('POST', '/v1/valuations', w.owner, {
      ...body,
      minFen: undefined,
      maxFen: undefined,
      method: 'cost',
      valueFen: 300_000_00,
      baseDate: isoDaysAgo(400),
    });
    expect(old.statusCode, old.body).toBe(201);
    expect(old.json().valid).toBe(false);

    const asOwner = (await req('GET', `/v1/achievements/${achievementId}/assessments`, w.owner)).json();
    expect(asOwner.valuationsVisible).toBe(true);
    expect(asOwner.valuations.map((v: { valid: boolean }) => v.valid)).toEqual([false, true]);
    // The public and an organisation without the NDA see no valuation (the achievement has a confidential part).
    for (const who of [undefined, w.buyer]) {
      const r = (await req('GET', `/v1/achievements/${achievementId}/assessments`, who)).json();
      expect(r).toMatchObject({ valuationsVisible: false, valuations: [] });
    }
    // Once its organisation accepted the NDA, the buyer sees them.
    const nda = await req('POST', `/v1/achievements/${achievementId}/nda`, w.buyer, {});
    expect(nda.statusCode, nda.body).toBeLessThan(300);
    const after = (await req('GET', `/v1/achievements/${achievementId}/assessments`, w.buyer)).json();
    expect(after.valuationsVisible).toBe(true);
    expect(after.valuations).toHaveLength(2);
  });
});
