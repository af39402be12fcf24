// Ranking metrics and the keyword baseline of `bench-match.ts`.
import type { Achievement } from '../../src/modules/catalog/demo/templates/model.js';
import type { SearchDocument } from '../../src/modules/matching/engine.js';
import {
  type Devset,
  type DevsetAchievement,
  type DevsetNeed,
  type Grade,
  qrels,
} from '../data/match-devset/index.js';

export function achievementDocument(
  a: DevsetAchievement | Achievement,
  id = a.externalId,
  updatedAt = '2026-06-01T00:00:00Z',
): SearchDocument {
  return {
    id,
    type: 'achievement',
    title: a.title,
    summary: a.summary,
    body: a.description,
    keywords: a.keywords,
    fieldCode: a.field,
    regionCode: a.regionCode,
    trl: a.trl,
    transferModes: a.transferModes,
    priceFen: a.priceFen,
    status: 'published',
    updatedAt,
  };
}

export function needDocument(n: DevsetNeed, id = n.externalId): SearchDocument {
  return {
    id,
    type: 'need',
    title: n.title,
    body: n.description,
    fieldCode: n.field,
    regionCode: n.regionCode,
    minTrl: n.minTrl,
    transferModes: n.preferredModes,
    budgetMinFen: n.budgetMinFen,
    budgetMaxFen: n.budgetMaxFen,
    status: 'published',
    updatedAt: '2026-06-01T00:00:00Z',
  };
}

/** nDCG@k with gains 2^grade − 1; the ideal ordering comes from every judged document. */
export function ndcgAt(k: number, ranked: string[], grades: Map<string, Grade>): number {
  const gain = (g: number) => 2 ** g - 1;
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    dcg += gain(grades.get(id) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...grades.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum: number, g, i) => sum + gain(g) / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Share of the relevant documents (grade ≥ minGrade, default 1) found in the first k. */
export function recallAt(k: number, ranked: string[], grades: Map<string, Grade>, minGrade = 1): number {
  const relevant = [...grades].filter(([, g]) => g >= minGrade).map(([id]) => id);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Ranks the devset achievements (by devset id) for one need. */
export type Ranker = (need: Devset['needs'][number]) => Promise<string[]>;

/** Grades beyond the devset's judgments for one need's ranking (e.g. generated achievements by topic). */
export type ExtraGrades = (need: DevsetNeed, ranked: string[]) => Iterable<[string, Grade]>;

export async function quality(
  devset: Devset,
  name: string,
  ranker: Ranker,
  extra?: ExtraGrades,
  recallGrade = 1,
) {
  const judged = qrels(devset);
  let ndcg = 0;
  let recall = 0;
  for (const need of devset.needs) {
    const ranked = await ranker(need);
    const grades = new Map(judged.get(need.externalId) ?? []);
    // a devset judgment wins over an extra grade for the same id
    for (const [id, grade] of extra?.(need, ranked) ?? []) if (!grades.has(id)) grades.set(id, grade);
    ndcg += ndcgAt(10, ranked, grades);
    recall += recallAt(20, ranked, grades, recallGrade);
  }
  const result = { ndcg: ndcg / devset.needs.length, recall: recall / devset.needs.length };
  // extra grades are not exhaustive (e.g. a topic's ~1,400 variants stand for 10 ideal ones): no recall
  const recallText = extra ? 'n/a' : result.recall.toFixed(3);
  console.log(`${name.padEnd(62)} nDCG@10 ${result.ndcg.toFixed(3)}   recall@20 ${recallText}`);
  return result;
}
