/**
 * BENCH_MATCH_DIAG=1 (bench-match.ts, with MEILI_URL): where the Meilisearch ranking departs from
 * the embedded one, per need. The same ranker (rankAchievementsForNeed) runs on four engines: each
 * engine alone, and each engine's candidates scored with the other's corpus statistics (document
 * frequencies and average section lengths). A need whose Meilisearch score moves back to the
 * embedded one with the embedded statistics departs by its statistics; one that does not, by its
 * candidates.
 */
import type { SearchEngine } from '../../src/modules/matching/engine.js';
import { rankAchievementsForNeed } from '../../src/modules/matching/ranking.js';
import { type Devset, qrels } from '../data/match-devset/index.js';
import type { LoadedDevset } from './match-api.js';
import { ndcgAt, needDocument, recallAt } from './match-quality.js';

/** `candidates`' engine with `stats`' corpus statistics. */
export function withStatsOf(candidates: SearchEngine, stats: SearchEngine): SearchEngine {
  return new Proxy(candidates, {
    get(target, prop) {
      if (prop === 'corpusStats') return stats.corpusStats.bind(stats);
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export async function engineDiagnosis(
  set: Devset,
  loaded: LoadedDevset,
  embedded: SearchEngine,
  meili: SearchEngine,
  recallGrade: number,
  now: Date,
): Promise<void> {
  const engines: [string, SearchEngine][] = [
    ['E', embedded],
    ['M', meili],
    ['M+Estats', withStatsOf(meili, embedded)],
    ['E+Mstats', withStatsOf(embedded, meili)],
  ];
  const judged = qrels(set);
  const totals = new Map<string, { ndcg: number; recall: number }>();
  const rows: string[] = [];
  for (const need of set.needs) {
    const doc = needDocument(need, loaded.needIdOf.get(need.externalId));
    const grades = new Map(judged.get(need.externalId) ?? []);
    const cells: string[] = [];
    for (const [name, engine] of engines) {
      const ranked = (await rankAchievementsForNeed(engine, doc, { limit: 20, now })).matches.map(
        (m) => loaded.externalIdOf.get(m.id) ?? m.id,
      );
      const ndcg = ndcgAt(10, ranked, grades);
      const recall = recallAt(20, ranked, grades, recallGrade);
      const t = totals.get(name) ?? { ndcg: 0, recall: 0 };
      totals.set(name, { ndcg: t.ndcg + ndcg, recall: t.recall + recall });
      cells.push(`${name} ${ndcg.toFixed(3)}/${recall.toFixed(2)}`);
    }
    rows.push(`  ${need.externalId.padEnd(10)} ${cells.join('  ')}`);
  }
  console.log(`per need, nDCG@10/recall@20:\n${rows.join('\n')}`);
  console.log(
    [...totals]
      .map(
        ([name, t]) =>
          `  ${name}: nDCG@10 ${(t.ndcg / set.needs.length).toFixed(3)}, recall@20 ${(t.recall / set.needs.length).toFixed(3)}`,
      )
      .join('\n'),
  );
}
