import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import { type TestContext, testConfig } from '../../test/context.js';
import { createSearchEngine, searchReadinessCheck } from './create-engine.js';
import type { SearchDocument, SearchEngine } from './engine.js';
import { MeiliSearchEngine } from './meili-engine.js';
import {
  MATCH_WEIGHTS,
  matchAchievementsForNeed,
  matchNeedsForAchievement,
  matchQuery,
  rankAchievementsForNeed,
} from './ranking.js';

const NOW = new Date('2026-07-01T00:00:00Z');

function doc(
  id: string,
  type: SearchDocument['type'],
  title: string,
  extra: Partial<SearchDocument>,
): SearchDocument {
  return { id, type, title, status: 'published', updatedAt: '2026-06-20T00:00:00Z', ...extra };
}

const need = doc('need-1', 'need', '动力电池包热管理改造', {
  body: '我们希望提高锂电池包在快充时的散热能力，需要液冷热管理方案，防止热失控。',
  fieldCode: '05',
  regionCode: '320102',
  minTrl: 6,
  budgetMinFen: 50_000_000,
  budgetMaxFen: 200_000_000,
  transferModes: ['license_nonexclusive', 'transfer'],
});

const achievements = [
  doc('fit', 'achievement', '锂离子电池液冷热管理系统', {
    summary: '液冷板与相变材料复合，快充温升降低40%，抑制热失控蔓延。',
    fieldCode: '05',
    regionCode: '320106',
    trl: 7,
    priceFen: 150_000_000,
    transferModes: ['license_nonexclusive'],
  }),
  doc('immature', 'achievement', '锂电池热失控预警与液冷散热方法', {
    summary: '实验室阶段的热失控预警算法与液冷散热。',
    fieldCode: '05',
    regionCode: '320506',
    trl: 3,
    priceFen: 900_000_000,
    transferModes: ['equity'],
  }),
  doc('withdrawn', 'achievement', '锂离子电池液冷热管理模组', {
    fieldCode: '05',
    trl: 8,
    status: 'withdrawn',
  }),
  doc('unrelated', 'achievement', '水稻耐盐碱新品种选育', { fieldCode: '04', trl: 7 }),
];

describe('need ↔ achievement matching', () => {
  let ctx: TestContext;
  let engine: SearchEngine;

  const fixture = useTestContext();
  beforeAll(async () => {
    ({ ctx } = fixture);
    engine = createSearchEngine(ctx.config, ctx.database, { namespace: `r${ctx.tag}` });
    await engine.ensureSetup();
    await engine.upsert([...achievements, need]);
  });
  afterAll(async () => {
    await engine.reset();
    if (engine instanceof MeiliSearchEngine) await engine.dropIndexes();
  });

  it("matches on the need's informative words, not the words of a need form", async () => {
    const terms = (await rankAchievementsForNeed(engine, need, { now: NOW })).queryTerms;
    expect(terms).toEqual(expect.arrayContaining(['电池包', '热管理', '锂电池', '液冷', '热失控']));
    for (const generic of ['我们', '希望', '需要', '方案']) expect(terms).not.toContain(generic);
  });

  it('ranks the achievement that fits best first, with a breakdown and zh-CN reasons', async () => {
    const matches = await matchAchievementsForNeed(engine, need, { now: NOW });
    expect(matches.map((m) => m.id)).toEqual(['fit', 'immature']);
    const [best, weaker] = matches;
    expect(best!.reasons).toEqual(
      expect.arrayContaining(['领域一致', '技术成熟度 7 ≥ 需求 6', '预算内', '可许可', '同城', '近期更新']),
    );
    expect(best!.reasons[0]).toMatch(/^关键词匹配：.*(热管理|液冷)/);
    expect(best!.matchedTerms).toEqual(expect.arrayContaining(['热管理', '液冷']));
    expect(weaker!.reasons).toEqual(expect.arrayContaining(['技术成熟度 3，低于需求 6', '超出预算', '同省']));
    expect(weaker!.breakdown).toMatchObject({ trl: 0, modes: 0, region: 0.6, price: 0.1 });
    for (const m of matches) {
      // redundancy: only on a match whose title overlaps one above it (diversity.ts)
      const { redundancy, ...components } = m.breakdown;
      expect(Object.keys(components).sort()).toEqual(Object.keys(MATCH_WEIGHTS).sort());
      expect(redundancy === undefined || (redundancy > 0 && redundancy <= 1)).toBe(true);
      expect(m.score).toBeGreaterThan(0);
      expect(m.score).toBeLessThanOrEqual(1);
      expect(m.reasons.length).toBeGreaterThan(0);
    }
  });

  it('never matches withdrawn or unrelated listings', async () => {
    const ids = (await matchAchievementsForNeed(engine, need, { now: NOW })).map((m) => m.id);
    expect(ids).not.toContain('withdrawn');
    expect(ids).not.toContain('unrelated');
  });

  it('finds needs for an achievement', async () => {
    const matches = await matchNeedsForAchievement(engine, achievements[0]!, { now: NOW });
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ id: 'need-1', type: 'need' });
    expect(matches[0]!.reasons).toEqual(expect.arrayContaining(['领域一致', '预算内', '同城']));
  });

  it('matches ad-hoc text under constraints', async () => {
    const matches = await matchQuery(
      engine,
      '锂电 热管理',
      { fieldCode: '05', minTrl: 6, budgetMaxFen: 100_000_000 },
      {
        now: NOW,
      },
    );
    expect(matches[0]?.id).toBe('fit');
    expect(matches[0]?.reasons).toContain('略超预算');
    expect(await matchQuery(engine, '的 了 和')).toEqual([]);
  });

  it('picks the engine from configuration and reports readiness', async () => {
    const kind = ctx.config.meili ? 'meilisearch' : 'embedded';
    expect(engine.kind).toBe(kind);
    const checks = searchReadinessCheck(engine);
    await expect(checks[`search:${kind}`]!()).resolves.toBeUndefined();
    const meili = createSearchEngine(testConfig({ MEILI_URL: 'http://127.0.0.1:7700' }), ctx.database);
    expect(meili.kind).toBe('meilisearch');
  });
});

describe('structure as evidence, not a bonus', () => {
  let ctx: TestContext;
  let engine: SearchEngine;
  const subject = doc('need-s', 'need', '注塑件外观缺陷自动检测', {
    body: '家电注塑外壳划伤、毛边、缺胶靠人工目检，想用机器视觉相机自动检测并分拣不良品。',
    fieldCode: '01',
    regionCode: '320102',
    minTrl: 6,
    budgetMaxFen: 100_000_000,
    transferModes: ['transfer'],
  });

  const fixture = useTestContext();
  beforeAll(async () => {
    ({ ctx } = fixture);
    engine = createSearchEngine(ctx.config, ctx.database, { namespace: `s${ctx.tag}` });
    await engine.ensureSetup();
    await engine.upsert([
      // answers the need, filed under another field, elsewhere, other modes
      doc('answer', 'achievement', '塑胶件表面缺陷机器视觉检测与自动分拣系统', {
        summary: '多光源成像识别划伤、毛边、缺胶，不良品自动剔除分拣。',
        fieldCode: '02',
        regionCode: '320506',
        trl: 7,
        priceFen: 90_000_000,
        transferModes: ['license_nonexclusive'],
      }),
      // perfect structure (same field, city, modes, price, readiness), hardly any textual fit
      doc('lookalike', 'achievement', '企业数据中台建设方案', {
        summary: '面向家电企业的经营数据治理。',
        fieldCode: '01',
        regionCode: '320102',
        trl: 9,
        priceFen: 10_000_000,
        transferModes: ['transfer'],
      }),
      ...['a', 'b', 'c'].map((k) =>
        doc(`filler-${k}`, 'achievement', `锂电池材料${k}`, { summary: '家电用正极包覆', fieldCode: '03' }),
      ),
    ]);
  });
  afterAll(async () => {
    await engine.reset();
  });

  it('never lifts a candidate with no real textual fit above one that answers the need', async () => {
    const matches = await matchAchievementsForNeed(engine, subject, { now: NOW });
    const ids = matches.map((m) => m.id);
    expect(ids[0]).toBe('answer');
    if (ids.includes('lookalike')) {
      const lookalike = matches.find((m) => m.id === 'lookalike')!;
      expect(lookalike.score).toBeLessThan(matches[0]!.score / 2);
      expect(lookalike.reasons.join()).not.toMatch(/关键词匹配/);
    }
  });
});
