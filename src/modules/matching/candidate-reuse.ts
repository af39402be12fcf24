/**
 * The second (feedback) pass of the lexical ranker selects with the same lexemes as the first:
 * expansion terms are bigrams, which only score, never select (lexical.ts `selectionLexemes`).
 * It would get the same candidates back, so it reuses the first pass's and asks the engine only
 * for their occurrences of the lexemes the first pass did not ask for: one look-up by id of the
 * candidates instead of a second selection, ranking and term-vector read of the catalog.
 */
import type { Candidate, CandidateQuery, DocumentType, SearchEngine, SearchFilters } from './engine.js';

/** What a pass asked the engine for, and what it got. */
export interface CandidatePass {
  select: readonly string[];
  lexemes: readonly string[];
  candidates: Candidate[];
}

export function sameSelection(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/** `previous`'s candidates with their occurrences of `lexemes` too (same order, same documents). */
export async function extendCandidates(
  engine: Pick<SearchEngine, 'candidates'>,
  type: DocumentType,
  previous: CandidatePass,
  lexemes: readonly string[],
  filters: SearchFilters | undefined,
): Promise<Candidate[]> {
  const asked = new Set(previous.lexemes);
  const missing = lexemes.filter((l) => !asked.has(l));
  if (missing.length === 0 || previous.candidates.length === 0) return previous.candidates;
  const ids = previous.candidates.map((c) => c.hit.id);
  const query: CandidateQuery = {
    type,
    select: [...previous.select],
    lexemes: missing,
    filters: { ...filters, ids },
    limit: ids.length,
    unordered: true,
  };
  const more = new Map((await engine.candidates(query)).map((c) => [c.hit.id, c.tf]));
  return previous.candidates.map((c) => {
    const extra = more.get(c.hit.id);
    return extra && extra.size > 0 ? { ...c, tf: new Map([...c.tf, ...extra]) } : c;
  });
}
