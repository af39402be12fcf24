/**
 * What the embedded engine does with exact document frequencies (table matching_term_stats):
 * pick the candidate terms of a long OR query, and weigh terms by inverse document frequency.
 */
import type { TermQuery } from './tsvector.js';

export interface TermStats {
  /** documents of the namespace and type */
  docs: number;
  /** lexeme → documents containing it */
  df: ReadonlyMap<string, number>;
}

/**
 * Documents matching a term, an upper bound: an alternative that ANDs lexemes matches at most as
 * many documents as its rarest lexeme, and the term ORs its alternatives.
 */
export function termFrequency(term: TermQuery, stats: TermStats): number {
  let sum = 0;
  for (const alternative of term.alternatives) {
    sum += Math.min(...alternative.map((l) => stats.df.get(l) ?? 0));
  }
  return Math.min(sum, stats.docs);
}

/**
 * The rarest terms that together select at most `budget` documents (always at least one term that
 * matches something): documents matching only the query's common words are not worth ranking.
 * Terms no document contains are dropped; an empty result means nothing can match.
 */
export function candidateTerms(terms: readonly TermQuery[], stats: TermStats, budget: number): TermQuery[] {
  const ranked = terms
    .map((t) => ({ t, f: termFrequency(t, stats) }))
    .filter((x) => x.f > 0)
    .sort((a, b) => a.f - b.f);
  const chosen: TermQuery[] = [];
  let selected = 0;
  for (const { t, f } of ranked) {
    if (chosen.length > 0 && selected + f > budget) break;
    chosen.push(t);
    selected += f;
  }
  return chosen;
}

/** Inverse document frequency per term, scaled so the query's most telling term weighs 1; 0 if absent. */
export function termWeights(terms: readonly TermQuery[], stats: TermStats): Record<string, number> {
  const idf = terms.map((t) => {
    const f = termFrequency(t, stats);
    return f === 0 ? 0 : Math.log(1 + stats.docs / f);
  });
  const max = Math.max(0, ...idf);
  return Object.fromEntries(
    terms.map((t, i) => [t.term, max > 0 ? Math.round((idf[i]! / max) * 1000) / 1000 : 0]),
  );
}
