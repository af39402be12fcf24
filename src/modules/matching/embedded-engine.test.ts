// Embedded-engine specifics beyond the shared contract: exact term statistics, stale writes, fuzzy fallback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { extendCandidates } from './candidate-reuse.js';
import { EmbeddedSearchEngine } from './embedded-engine.js';
import type { Candidate, SearchDocument } from './engine.js';

function doc(id: string, title: string, updatedAt = '2026-06-01T00:00:00Z'): SearchDocument {
  return { id, type: 'achievement', title, status: 'published', updatedAt };
}

describe('embedded search engine', () => {
  let ctx: TestContext;
  let engine: EmbeddedSearchEngine;
  let namespace: string;
  const df = async (lexeme: string) => {
    const { rows } = await ctx.database.pool.query<{ df: number }>(
      `SELECT df FROM matching_term_stats WHERE namespace = $1 AND type = 'achievement' AND lexeme = $2`,
      [namespace, lexeme],
    );
    return rows[0]?.df ?? 0;
  };

  const fixture = useTestContext();
  beforeAll(async () => {
    ({ ctx } = fixture);
    namespace = `e${ctx.tag}`;
    engine = new EmbeddedSearchEngine(ctx.database, { namespace });
    await engine.ensureSetup();
  });
  afterAll(async () => {
    await engine.reset();
  });

  it('keeps document frequencies exact through inserts, updates and removals', async () => {
    // the second version of b in one batch wins
    await engine.upsert([doc('a', '石墨烯 导热'), doc('b', '石墨烯 涂料'), doc('b', '石墨烯 防腐涂料')]);
    expect(await df('')).toBe(2);
    expect(await df('石墨烯')).toBe(2);
    expect(await df('导热')).toBe(1);
    await engine.upsert([doc('a', '碳纳米管 导热', '2026-06-02T00:00:00Z')]);
    expect(await df('石墨烯')).toBe(1);
    expect(await df('碳纳米管')).toBe(1);
    expect(await df('')).toBe(2);
    await engine.remove('achievement', ['a', 'b', 'missing']);
    expect(await df('')).toBe(0);
    expect(await df('碳纳米管')).toBe(0);
    expect(await df('石墨烯')).toBe(0);
  });

  it('ignores a write older than the indexed version (an index job delivered late)', async () => {
    await engine.upsert([doc('late', '钙钛矿叠层电池', '2026-06-05T00:00:00Z')]);
    await engine.upsert([doc('late', '旧标题', '2026-06-01T00:00:00Z')]);
    const result = await engine.search({ type: 'achievement', q: '钙钛矿' });
    expect(result.hits.map((h) => h.title)).toEqual(['钙钛矿叠层电池']);
    expect(await df('旧标题')).toBe(0);
  });

  it('falls back to fuzzy matching when no term matches', async () => {
    await engine.upsert([doc('fuzzy', '高镍三元正极材料'), doc('latin', 'Lidar point cloud segmentation')]);
    // jieba keeps the misspelt 极材科 (for 极材料) whole, so no term matches; its bigram 极材 does
    const typo = await engine.search({ type: 'achievement', q: '极材科' });
    expect(typo.matched).toBe('fuzzy');
    expect(typo.hits.map((h) => h.id)).toContain('fuzzy');
    const latin = await engine.search({ type: 'achievement', q: 'segmentaton' });
    expect(latin.matched).toBe('fuzzy');
    expect(latin.hits.map((h) => h.id)).toEqual(['latin']);
  });

  it('reports term weights: rarer terms weigh more, absent ones nothing', async () => {
    await engine.upsert([doc('w1', '电池 回收'), doc('w2', '电池 隔膜'), doc('w3', '电池 电解液')]);
    const result = await engine.search({
      type: 'achievement',
      terms: ['电池', '隔膜', '不存在的词'],
      match: 'any',
    });
    expect(result.termWeights.隔膜).toBe(1);
    expect(result.termWeights.电池).toBeLessThan(1);
    expect(result.termWeights.不存在的词).toBe(0);
    expect(result.hits[0]?.id).toBe('w2');
  });

  describe("term sections (each lexeme's occurrences per section, beside the tsvector)", () => {
    /** ids whose stored term_sections differ from what their tsvector holds */
    const disagreeing = async () => {
      const { rows } = await ctx.database.pool.query<{ id: string }>(
        `SELECT id FROM matching_documents d WHERE namespace = $1
            AND term_sections IS DISTINCT FROM coalesce((SELECT jsonb_object_agg(u.lexeme, array_to_string(u.weights, ''))
                                                           FROM unnest(d.tsv) AS u), '{}'::jsonb)`,
        [namespace],
      );
      return rows.map((r) => r.id);
    };
    const vectors = (candidates: Candidate[]) =>
      Object.fromEntries(candidates.map((c) => [c.hit.id, Object.fromEntries(c.tf)]));

    it('follow every new version of a document, and candidates report them per section', async () => {
      const ts = (id: string, title: string, summary: string, updatedAt: string): SearchDocument => ({
        ...doc(id, title, updatedAt),
        summary,
        keywords: ['石墨烯'],
      });
      await engine.upsert([ts('ts1', '石墨烯 导热膜', '石墨烯 散热', '2026-06-01T00:00:00Z')]);
      const query = {
        type: 'achievement' as const,
        select: ['石墨烯'],
        lexemes: ['石墨烯', '导热', '涂料'],
        limit: 10,
      };
      let found = await engine.candidates({ ...query, filters: { ids: ['ts1'] } });
      // title, keywords, summary, body
      expect(vectors(found)).toEqual({ ts1: { 石墨烯: [1, 1, 1, 0], 导热: [1, 0, 0, 0] } });
      // an edit replaces them; a late, older version changes nothing
      await engine.upsert([ts('ts1', '石墨烯 防腐涂料', '涂料', '2026-06-03T00:00:00Z')]);
      await engine.upsert([ts('ts1', '石墨烯 导热膜', '石墨烯 散热', '2026-06-02T00:00:00Z')]);
      found = await engine.candidates({ ...query, filters: { ids: ['ts1'] } });
      expect(vectors(found)).toEqual({ ts1: { 石墨烯: [1, 1, 0, 0], 涂料: [1, 0, 1, 0] } });
      const all = await engine.candidates({ ...query, lexemes: 'all', filters: { ids: ['ts1'] } });
      expect(Object.keys(vectors(all).ts1 ?? {})).toEqual(expect.arrayContaining(['石墨烯', '防腐', '涂料']));
      expect(await disagreeing()).toEqual([]);
      // withdrawn: gone with its document
      await engine.remove('achievement', ['ts1']);
      expect(await engine.candidates({ ...query, filters: { ids: ['ts1'] } })).toEqual([]);
    });

    it("extend a pass's candidates with more lexemes as a new selection would report them", async () => {
      await engine.upsert([
        { ...doc('x1', '锂电池 回收 湿法冶金'), summary: '锂电池 拆解' },
        { ...doc('x2', '锂电池 隔膜 涂覆'), summary: '隔膜 回收' },
        doc('x3', '钠电池 正极'),
      ]);
      const select = ['锂电池'];
      const first = await engine.candidates({ type: 'achievement', select, lexemes: ['锂电池'], limit: 10 });
      const more = ['回收', '隔膜', '拆解'];
      const extended = await extendCandidates(
        engine,
        'achievement',
        { select, lexemes: ['锂电池'], candidates: first },
        ['锂电池', ...more],
        undefined,
      );
      const direct = await engine.candidates({
        type: 'achievement',
        select,
        lexemes: ['锂电池', ...more],
        limit: 10,
      });
      expect(extended.map((c) => c.hit.id)).toEqual(first.map((c) => c.hit.id));
      expect(vectors(extended)).toEqual(vectors(direct));
      expect(vectors(extended).x2).toEqual({ 锂电池: [1, 0, 0, 0], 隔膜: [1, 0, 1, 0], 回收: [0, 0, 1, 0] });
    });
  });
});
