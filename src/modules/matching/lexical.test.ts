import { describe, expect, it } from 'vitest';
import {
  type CorpusStats,
  feedbackTerms,
  LEXICAL_PARAMS,
  type LexicalTerm,
  lexicalQuery,
  lexicalScore,
  selectionLexemes,
  type TermVector,
} from './lexical.js';
import { termVectorOf } from './meili-candidates.js';
import { Thesaurus } from './synonyms.js';
import { searchTokens } from './text.js';
import { documentFields } from './tsvector.js';

/** An in-memory catalog: term vectors and statistics built the way the engines build them. */
function catalog(
  docs: Record<string, { title: string; summary?: string; body?: string; keywords?: string[] }>,
) {
  const vectors = new Map<string, TermVector>();
  const df = new Map<string, number>();
  const sums = [0, 0, 0, 0];
  for (const [id, doc] of Object.entries(docs)) {
    const v = termVectorOf(doc, 'all');
    vectors.set(id, v);
    for (const l of v.tf.keys()) df.set(l, (df.get(l) ?? 0) + 1);
    v.lengths!.forEach((l, i) => {
      sums[i]! += l;
    });
  }
  const n = vectors.size;
  const stats: CorpusStats = { docs: n, df, avgLengths: sums.map((s) => s / n) };
  const rank = (terms: LexicalTerm[]) =>
    [...vectors]
      .map(([id, v]) => ({ id, score: lexicalScore(terms, stats, v).score }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score)
      .map((x) => x.id);
  return { vectors, stats, rank };
}

const none = new Thesaurus([]);

describe('lexical ranker (BM25F)', () => {
  it('counts every query term: technical words late in a long colloquial need still match', () => {
    // the old extraction kept the first 24 terms in text order, dropping 视觉检测 and 分拣 here
    const chatter = Array.from({ length: 40 }, (_, i) => `第${i}条说明车间情况，工人很辛苦`).join('，');
    const need = { title: '外观不良挑拣', body: `${chatter}。想上一套视觉检测，相机拍照后自动分拣。` };
    const terms = lexicalQuery(need, none);
    expect(terms.length).toBeGreaterThan(24);
    expect(terms.map((t) => t.term)).toEqual(expect.arrayContaining(['视觉', '检测', '分拣']));
    const { rank } = catalog({
      vision: { title: '工业视觉检测与自动分拣系统', summary: '相机成像，缺陷自动分拣' },
      other: { title: '注塑机伺服节能控制', summary: '伺服电液驱动' },
    });
    expect(rank(terms)[0]).toBe('vision');
  });

  it('meets a document cut differently through the character bigrams', () => {
    // however jieba cuts 仓拣货 in the need, its bigrams 仓拣 and 拣货 are in the document too
    const tokens = searchTokens('立体仓拣货效率低').map((t) => t.token);
    expect(tokens).toEqual(expect.arrayContaining(['拣货']));
    const { rank } = catalog({
      picking: { title: '仓储拣货机器人', summary: '货到人拣货' },
      other: { title: '锂电池隔膜涂层', summary: '陶瓷涂层' },
    });
    expect(rank(lexicalQuery({ title: '立体仓拣货效率低' }, none))).toEqual(['picking']);
  });

  it('weighs rare terms above common ones', () => {
    const { rank } = catalog({
      a: { title: '控制系统', summary: '压电陶瓷驱动' },
      b: { title: '控制系统', summary: '控制方法' },
      c: { title: '控制装置', summary: '控制电路' },
      d: { title: '控制软件', summary: '控制算法' },
    });
    expect(rank(lexicalQuery({ title: '压电陶瓷 控制' }, none))[0]).toBe('a');
  });

  it('takes synonyms as weighted alternatives: a synonym match counts, less than the term itself', () => {
    const thesaurus = new Thesaurus([{ terms: ['agv', '自动导引车'] }]);
    const { rank, stats, vectors } = catalog({
      own: { title: 'agv调度', summary: '多车协同' },
      synonym: { title: '自动导引车调度', summary: '多车协同' },
      other: { title: '焊接机器人', summary: '激光焊接' },
    });
    const terms = lexicalQuery({ title: 'agv' }, thesaurus);
    expect(rank(terms)).toEqual(['own', 'synonym']);
    const match = lexicalScore(terms, stats, vectors.get('synonym')!).matches[0]!;
    expect(match).toMatchObject({ term: 'agv', surface: '自动导引车' });
  });

  it('credits a long Han word met as itself only beyond its bigrams (longWordWeight), still shown; never its synonyms or Latin words', () => {
    const params = { ...LEXICAL_PARAMS, longWordWeight: 0 };
    const thesaurus = new Thesaurus([{ terms: ['自动导引车', 'agv'] }]);
    const { stats, vectors } = catalog({
      own: { title: '自动导引车调度', summary: '多车协同' },
      synonym: { title: 'agv调度', summary: '多车协同' },
      other: { title: '焊接机器人', summary: '激光焊接' },
    });
    const need = { title: '自动导引车调度' };
    const terms = lexicalQuery(need, thesaurus, params);
    const own = lexicalScore(terms, stats, vectors.get('own')!, params);
    const full = lexicalScore(lexicalQuery(need, thesaurus), stats, vectors.get('own')!);
    // the long word is still a match, shown in the same order; its bigrams carry its score
    expect(own.matches.map((m) => m.term)).toEqual(full.matches.map((m) => m.term));
    expect(own.matches.find((m) => m.term === '自动导引车')).toMatchObject({
      surface: '自动导引车',
      contribution: 0,
    });
    expect(own.score).toBeLessThan(full.score);
    expect(own.score).toBeGreaterThan(0);
    // its synonym, which its bigrams never meet, scores as any word's synonym
    const viaSynonym = lexicalScore(terms, stats, vectors.get('synonym')!, params).matches;
    expect(viaSynonym.find((m) => m.term === '自动导引车')?.surface).toBe('agv');
    expect(viaSynonym.find((m) => m.term === '自动导引车')!.contribution).toBeGreaterThan(0);
    // a Latin word has no bigrams: it weighs as a word whatever its length
    const latin = lexicalQuery({ title: 'agv' }, none, params);
    expect(lexicalScore(latin, stats, vectors.get('synonym')!, params).score).toBeGreaterThan(0);
  });

  it('selects candidates by the rarest words within a budget, always at least one', () => {
    const stats: CorpusStats = {
      docs: 1000,
      df: new Map([
        ['稀有', 2],
        ['常见', 900],
        ['中等', 50],
      ]),
      avgLengths: [],
    };
    const terms = lexicalQuery({ title: '稀有 常见 中等' }, none);
    expect(selectionLexemes(terms, stats, 100)).toEqual(['稀有', '中等']);
    expect(selectionLexemes(terms, stats, 1)).toEqual(['稀有']);
  });

  it('adds expansion terms from the best first-pass documents, weighted below the query', () => {
    const { stats, vectors } = catalog({
      a: { title: '焊缝视觉跟踪', summary: '激光结构光传感器 焊缝跟踪' },
      b: { title: '焊缝自动跟踪', summary: '结构光传感器 焊缝识别' },
      c: { title: '结构光传感器标定', summary: '三维测量' },
      d: { title: '水稻育种', summary: '耐盐碱' },
    });
    const query = lexicalQuery({ title: '焊缝跟踪' }, none);
    const top = ['a', 'b'].map((id, i) => ({ vector: vectors.get(id)!, score: 2 - i }));
    const expansion = feedbackTerms(query, top, stats, { docs: 2, terms: 10, weight: 0.3 });
    expect(expansion.map((t) => t.term)).toContain('传感器');
    for (const t of expansion) expect(t.weight).toBeLessThanOrEqual(0.3);
    expect(feedbackTerms(query, top, stats, { docs: 0, terms: 10, weight: 0.3 })).toEqual([]);
  });

  it('scores a document the same from its stored sections as from its text (both engines)', () => {
    const doc = { title: '高镍正极材料', keywords: ['正极材料'], summary: '包覆改性', body: '循环稳定' };
    const v = termVectorOf(doc, new Set(['正极材料', '包覆']));
    expect(v.tf.get('正极材料')).toEqual([1, 1, 0, 0]);
    expect(v.lengths).toEqual(documentFields(doc).map((f) => f.length));
    expect(LEXICAL_PARAMS.k1).toBeGreaterThan(0);
  });

  it("takes a number as a quantity, not a subject: a listing sharing only the need's numbers is no match", () => {
    const need = { title: '视觉检测替代人工目检', body: '预算60万，漏检率0.5%以下，节拍2秒' };
    const terms = lexicalQuery(need, none);
    expect(terms.map((t) => t.term)).not.toEqual(expect.arrayContaining(['60']));
    expect(terms.some((t) => /^[\d.%]+$/.test(t.term))).toBe(false);
    const { rank } = catalog({
      vision: { title: '工业视觉检测系统', summary: '相机成像，缺陷自动识别' },
      numbers: { title: '伺服电液驱动', summary: '节能0.5度电，售价60万，2年回本' },
    });
    expect(rank(terms)).toEqual(['vision']);
    // counted as words, the numbers alone would make it a match
    const counted = lexicalQuery(need, none, { ...LEXICAL_PARAMS, numberWeight: 1 });
    expect(rank(counted)).toContain('numbers');
  });

  it('weighs words of common language (generalWeight) below a telling word; a query of common words only is taken as it is', () => {
    const need = { title: '储能柜电芯温差超过8度', body: '夏天满功率运行时温差增加，希望控制在3度以内' };
    const terms = lexicalQuery(need, none);
    const words = terms.map((t) => t.term);
    expect(words).toEqual(expect.arrayContaining(['温差', '电芯']));
    expect(words).not.toEqual(expect.arrayContaining(['超过']));
    expect(words).not.toEqual(expect.arrayContaining(['增加']));
    const { rank } = catalog({
      cooling: { title: '储能电池模组液冷板', summary: '均温设计，温差小于2度' },
      generic: { title: '产量增加', summary: '效率超过同行，控制成本，增加收益，超过预期' },
    });
    expect(rank(terms)).toEqual(['cooling']);
    const weighed = lexicalQuery(need, none, { ...LEXICAL_PARAMS, generalWeight: 1 });
    expect(rank(weighed)).toContain('generic');
    // nothing but common words: they are all there is to go on
    const plain = lexicalQuery({ title: '增加控制', body: '超过' }, none).filter((t) => t.kind === 'word');
    expect(plain.map((t) => t.term).sort()).toEqual(['增加', '控制', '超过'].sort());
    expect(plain.every((t) => t.weight === 1)).toBe(true);
  });
});
