/**
 * The lexical ranker on both engines: candidates and term vectors from the engine, the same BM25F
 * scoring and reasons. The embedded engine always; Meilisearch when MEILI_URL is set.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { EmbeddedSearchEngine } from './embedded-engine.js';
import type { SearchDocument, SearchEngine } from './engine.js';
import { MeiliSearchEngine } from './meili-engine.js';
import { matchAchievementsForNeed } from './ranking.js';

const doc = (
  id: string,
  title: string,
  summary: string,
  extra: Partial<SearchDocument> = {},
): SearchDocument => ({
  id,
  type: 'achievement',
  title,
  summary,
  status: 'published',
  updatedAt: '2026-06-01T00:00:00Z',
  ...extra,
});

const need: SearchDocument = {
  id: 'need-1',
  type: 'need',
  title: '动力电池包热管理改造',
  // more than ten words: Meilisearch reads at most ten per query, the ranker must still use all
  body: '我们希望提高锂电池包在快充时的散热能力，需要液冷热管理方案，防止热失控，兼顾轻量化、低成本和批量生产。',
  fieldCode: '05',
  status: 'published',
  updatedAt: '2026-06-01T00:00:00Z',
};

function rankerOn(name: string, create: (ctx: TestContext) => SearchEngine) {
  describe(`lexical ranker on ${name}`, () => {
    let ctx: TestContext;
    let engine: SearchEngine;
    const fixture = useTestContext();
    beforeAll(async () => {
      ({ ctx } = fixture);
      engine = create(ctx);
      await engine.ensureSetup();
      await engine.upsert([
        doc('fit', '锂离子电池液冷热管理系统', '液冷板与相变材料复合，快充温升降低40%，抑制热失控蔓延。', {
          fieldCode: '05',
        }),
        doc('pack', '电池包结构轻量化设计', '铝合金电池包壳体，减重15%。', { fieldCode: '05' }),
        doc('rice', '水稻耐盐碱新品种选育', '耐盐碱水稻', { fieldCode: '04' }),
      ]);
    });
    afterAll(async () => {
      await engine.reset();
    });

    it('ranks by the whole need text and explains with telling words', async () => {
      const matches = await matchAchievementsForNeed(engine, need);
      expect(matches[0]?.id).toBe('fit');
      expect(matches.map((m) => m.id)).not.toContain('rice');
      expect(matches[0]!.matchedTerms).toEqual(expect.arrayContaining(['液冷', '热管理']));
      expect(matches[0]!.breakdown.text).toBe(1);
    });

    it('reads known candidates (filters.ids) as their selection reported them, under the filters', async () => {
      // the feedback pass and the extension of a pass's candidates ask for documents just found
      const query = { type: 'achievement' as const, select: ['液冷', '轻量化'], lexemes: 'all' as const };
      const vectors = (found: Awaited<ReturnType<SearchEngine['candidates']>>) =>
        Object.fromEntries(
          found.map((c) => [c.hit.id, { tf: Object.fromEntries(c.tf), lengths: c.lengths }]),
        );
      const selected = vectors(await engine.candidates({ ...query, limit: 10 }));
      expect(Object.keys(selected).sort()).toEqual(['fit', 'pack']);
      const known = await engine.candidates({ ...query, filters: { ids: ['pack', 'fit'] }, limit: 2 });
      expect(vectors(known)).toEqual(selected);
      expect(await engine.candidates({ ...query, filters: { ids: ['fit'] }, limit: 1 })).toHaveLength(1);
      // a listing the filters exclude is not read, known or not
      const excluded = { ids: ['pack', 'fit'], statuses: ['withdrawn'] };
      expect(await engine.candidates({ ...query, filters: excluded, limit: 2 })).toEqual([]);
    });

    it('places a distinct answer before near-repeats of a title already shown (diversity.ts)', async () => {
      const same = '光伏板自动清扫机器人，无水清洁，减少人工巡检和清洗用水。';
      await engine.upsert([
        doc('clean-a', '光伏组件清洁机器人', same, { fieldCode: '05' }),
        doc('clean-b', '光伏组件清洁机器人系统', same, { fieldCode: '05' }),
        doc('clean-c', '光伏组件清洁机器人装置', same, { fieldCode: '05' }),
        doc('drone', '无人机光伏电站积灰识别', '识别光伏板表面积灰程度，规划清扫时机。', { fieldCode: '05' }),
      ]);
      const matches = await matchAchievementsForNeed(engine, {
        ...need,
        id: 'need-2',
        title: '光伏组件表面清洁机器人',
        body: '电站光伏板积灰严重，希望用机器人自动清扫，减少人工。',
      });
      const ids = matches.map((m) => m.id);
      // the statistics the scores rest on count the catalog as it is now (7 listings), not as it
      // was when a word was last counted (Meilisearch caches counts for a while)
      const words = ['光伏', '积灰', '机器人'];
      const stats = await engine.corpusStats('achievement', words);
      expect(stats.docs).toBe(7);
      expect(words.map((w) => stats.df.get(w))).toEqual([4, 1, 3]);
      const at = (id: string) => matches.find((m) => m.id === id)!;
      expect(ids.slice(0, 2)).toEqual(['clean-a', 'drone']);
      // by score alone the repeats would come first: the order is the diversity's, and said so
      expect(at('drone').score).toBeLessThan(at('clean-b').score);
      expect(ids.indexOf('clean-b')).toBeGreaterThan(ids.indexOf('drone'));
      expect(at('clean-a').breakdown.redundancy).toBeUndefined();
      expect(at('drone').breakdown.redundancy ?? 0).toBeLessThan(0.2);
      expect(at('clean-b').breakdown.redundancy).toBeGreaterThan(0.6);
      // a shorter list is the start of the longer one (pages agree)
      const two = await matchAchievementsForNeed(
        engine,
        {
          ...need,
          id: 'need-2',
          title: '光伏组件表面清洁机器人',
          body: '电站光伏板积灰严重，希望用机器人自动清扫，减少人工。',
        },
        { limit: 2 },
      );
      expect(two.map((m) => m.id)).toEqual(ids.slice(0, 2));
    });
  });
}

rankerOn(
  'embedded PostgreSQL',
  (ctx) => new EmbeddedSearchEngine(ctx.database, { namespace: `l${ctx.tag}` }),
);

const meiliUrl = inject('meiliUrl');
if (meiliUrl) {
  rankerOn(
    'Meilisearch',
    (ctx) => new MeiliSearchEngine({ url: meiliUrl, apiKey: inject('meiliKey'), indexPrefix: `l${ctx.tag}` }),
  );
  /**
   * The scorer's evidence is the same on both engines: document frequencies of every kind of
   * lexeme (a word, a bigram inside a longer word, which Meilisearch's own search does not find
   * (no infix), a bigram across words, a whole keyword, a word no document has) and the average section
   * lengths, over the same documents, including after a document changes and one is removed.
   */
  describe('corpus statistics on both engines', () => {
    const fixture = useTestContext();
    const lexemes = [
      '电池',
      '离子',
      '池液',
      '锂',
      '热管理',
      '液冷板',
      '电池包',
      '相变材料',
      '盐碱',
      '没有的词',
    ];
    it('are the same counts and average lengths', async () => {
      const { ctx } = fixture;
      const engines = [
        new EmbeddedSearchEngine(ctx.database, { namespace: `s${ctx.tag}` }),
        new MeiliSearchEngine({ url: meiliUrl, apiKey: inject('meiliKey'), indexPrefix: `s${ctx.tag}` }),
      ];
      try {
        const stats = async () =>
          Promise.all(
            engines.map(async (e) => {
              const s = await e.corpusStats('achievement', lexemes);
              return { docs: s.docs, df: lexemes.map((l) => s.df.get(l) ?? 0), avg: s.avgLengths };
            }),
          );
        const docs = [
          doc('fit', '锂离子电池液冷热管理系统', '液冷板与相变材料复合，快充温升降低40%。', {
            keywords: ['液冷板', '相变材料'],
          }),
          doc('pack', '电池包结构轻量化设计', '铝合金电池包壳体，减重15%。'),
          doc('rice', '水稻耐盐碱新品种选育', '耐盐碱水稻'),
        ];
        for (const engine of engines) {
          await engine.ensureSetup();
          await engine.upsert(docs);
        }
        const [embedded, meili] = await stats();
        expect(embedded!.df.slice(0, 4)).toEqual([2, 1, 1, 0]);
        expect(meili).toEqual(embedded);
        // a change and a removal; new engines, so no cached count is read
        const changed = doc('pack', '水稻秸秆还田机械', '秸秆粉碎还田，适合盐碱地。');
        for (const engine of engines) {
          await engine.upsert([changed]);
          await engine.remove('achievement', ['rice']);
        }
        engines.splice(
          0,
          2,
          new EmbeddedSearchEngine(ctx.database, { namespace: `s${ctx.tag}` }),
          new MeiliSearchEngine({ url: meiliUrl, apiKey: inject('meiliKey'), indexPrefix: `s${ctx.tag}` }),
        );
        const [embedded2, meili2] = await stats();
        expect(embedded2!.docs).toBe(2);
        expect(meili2).toEqual(embedded2);
      } finally {
        await engines[0]!.reset();
        await (engines[1] as MeiliSearchEngine).dropIndexes();
      }
    });
  });
} else {
  describe.skip('lexical ranker on Meilisearch', () => {
    it('skipped: set MEILI_URL to run it', () => undefined);
  });
}
