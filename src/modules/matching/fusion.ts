/**
 * Fusing the lexical ranking with semantic neighbours (semantic.ts), a calibrated score mix:
 *
 *   relevance = (lexical + w · semantic) / (1 + w), then over the best candidate's
 *
 * where `lexical` is the candidate's BM25F score over the best one's (0 when it shares no telling
 * word), `semantic` its cosine similarity rescaled so the floor (EMBEDDINGS_MIN_SIMILARITY) is 0
 * and the best neighbour 1 (0 when it is no neighbour), and w = EMBEDDINGS_WEIGHT (default 0.5).
 * A mix of scores rather than reciprocal rank fusion: the structural factor that follows moves a
 * score by up to ±30 %, and rank fusion flattens the top of the list (1/61 against 1/70), which
 * would let structure outweigh text. Without neighbours the relevance is the lexical one, unchanged.
 * The default weight and floor were set by hand, not fitted (no provider was at hand to fit with).
 */
import type { Neighbour } from './embeddings-store.js';
import type { DocumentType, SearchDocument, SearchEngine, SearchFilters, SearchHit } from './engine.js';
import type { TermMatch } from './lexical.js';
import type { ScoredCandidate } from './ranking.js';

export type { Neighbour } from './embeddings-store.js';

/** What the ranking needs from semantic retrieval (implemented by SemanticIndex). */
export interface SemanticRetriever {
  /** the `rankingVersion` of a list fused with neighbours */
  readonly rankingVersion: string;
  /** w above */
  readonly weight: number;
  readonly minSimilarity: number;
  /** Documents of `type` nearest to the subject's text, most similar first; undefined when unavailable (ranked lexically). */
  nearest(
    type: DocumentType,
    subject: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>,
  ): Promise<Neighbour[] | undefined>;
}

export interface Fused {
  id: string;
  /** 0–1, over the best candidate's */
  relevance: number;
  /** cosine similarity, when the candidate is a semantic neighbour */
  similarity?: number;
}

/**
 * The fused relevance of every candidate of either list, best first (ties by id).
 * `lexical`: id → text score over the best (0–1).
 */
export function fuseScores(
  lexical: ReadonlyMap<string, number>,
  neighbours: readonly Neighbour[],
  weight: number,
  minSimilarity: number,
): Fused[] {
  const bestSimilarity = neighbours[0]?.similarity ?? 0;
  const span = bestSimilarity - minSimilarity;
  const semantic = new Map(
    neighbours.map((n) => [
      n.id,
      { similarity: n.similarity, scaled: span > 0 ? (n.similarity - minSimilarity) / span : 1 },
    ]),
  );
  const ids = new Set([...lexical.keys(), ...semantic.keys()]);
  const raw = [...ids].map((id) => {
    const s = semantic.get(id);
    return {
      id,
      score: ((lexical.get(id) ?? 0) + weight * (s?.scaled ?? 0)) / (1 + weight),
      similarity: s?.similarity,
    };
  });
  const best = Math.max(0, ...raw.map((r) => r.score));
  return raw
    .filter((r) => r.score > 0)
    .map((r) => ({
      id: r.id,
      relevance: r.score / best,
      ...(r.similarity === undefined ? {} : { similarity: r.similarity }),
    }))
    .sort((a, b) => b.relevance - a.relevance || a.id.localeCompare(b.id));
}

/** The reason shown for a semantic neighbour: it says what it is, never a keyword it lacks. */
export function semanticReason(similarity: number): string {
  return `语义相近（相似度 ${similarity.toFixed(2)}）`;
}

/** A candidate to rank: found by its words, by its meaning (embeddings), or both. */
export interface Pooled {
  hit: SearchHit;
  matches: TermMatch[];
  /** the owner's keywords (a lexical candidate's), for the reasons */
  keywords?: readonly string[];
  /** text score over the best (0 when found by meaning only) */
  text: number;
  /** what structure multiplies: `text`, or the fused relevance (fusion.ts) */
  relevance: number;
  similarity?: number;
}

/**
 * The lexical candidates, fused with the semantic neighbours when there are any. A neighbour that
 * is not a lexical candidate is fetched through the engine with the same filters, so the engine's
 * visibility rules (status, filters) decide whether it may appear at all.
 */
export async function fusedCandidates(
  engine: SearchEngine,
  type: DocumentType,
  lexical: ScoredCandidate[],
  best: number,
  filters: SearchFilters | undefined,
  semantic: { retriever: SemanticRetriever; neighbours: Neighbour[] | undefined } | undefined,
): Promise<Pooled[]> {
  const own = (s: ScoredCandidate): Pooled => ({
    hit: s.candidate.hit,
    matches: s.matches,
    keywords: s.candidate.keywords,
    text: s.text / best,
    relevance: s.text / best,
  });
  const neighbours = semantic?.neighbours ?? [];
  if (!semantic || neighbours.length === 0) return lexical.map(own);
  const byId = new Map(lexical.map((s) => [s.candidate.hit.id, own(s)]));
  const fused = fuseScores(
    new Map([...byId].map(([id, p]) => [id, p.text])),
    neighbours,
    semantic.retriever.weight,
    semantic.retriever.minSimilarity,
  );
  const only = filters?.ids;
  const missing = fused.map((f) => f.id).filter((id) => !byId.has(id) && (!only || only.includes(id)));
  if (missing.length > 0) {
    const found = await engine.search({
      type,
      filters: { ...filters, ids: missing },
      limit: Math.min(missing.length, 100),
      countTotal: false,
      highlight: false,
    });
    for (const hit of found.hits) byId.set(hit.id, { hit, matches: [], text: 0, relevance: 0 });
  }
  const kept = fused.flatMap((f) => {
    const p = byId.get(f.id);
    return p ? [{ ...p, relevance: f.relevance, similarity: f.similarity }] : [];
  });
  const top = Math.max(0, ...kept.map((p) => p.relevance));
  return top > 0 ? kept.map((p) => ({ ...p, relevance: p.relevance / top })) : [];
}
