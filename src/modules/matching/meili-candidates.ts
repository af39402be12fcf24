/**
 * The lexical ranker's side of the Meilisearch adapter: Meilisearch retrieves generously (any of
 * the query's rarer words, its own relevance order), and the candidates are re-ranked by the same
 * BM25F scorer as on the embedded engine (lexical.ts). Term vectors are computed here from the
 * retrieved text with the same tokenizer the embedded engine indexes with; document frequencies
 * come from Meilisearch's hit counts (one multi-search per query), average section lengths from
 * the candidates themselves.
 */
import type { Meilisearch } from 'meilisearch';
import type { CorpusStats, TermVector } from './lexical.js';
import { documentFields } from './tsvector.js';

/** The term vector of a retrieved document, restricted to `lexemes` (or all of them). */
export function termVectorOf(
  doc: { title: string; keywords?: string[]; summary?: string; body?: string },
  lexemes: ReadonlySet<string> | 'all',
): TermVector {
  const fields = documentFields(doc);
  const tf = new Map<string, number[]>();
  fields.forEach((tokens, i) => {
    for (const token of tokens) {
      if (lexemes !== 'all' && !lexemes.has(token)) continue;
      const counts = tf.get(token) ?? [0, 0, 0, 0];
      counts[i]!++;
      tf.set(token, counts);
    }
  });
  return { tf, lengths: fields.map((f) => f.length) };
}

const DF_CACHE_MS = 60_000;
const DF_CACHE_LIMIT = 50_000;

/** Document frequencies as Meilisearch counts them (every word of the lexeme, in one multi-search). */
export class MeiliFrequencies {
  readonly #cache = new Map<string, { df: number; at: number }>();

  constructor(
    private readonly client: Meilisearch,
    private readonly indexUid: (type: string) => string,
  ) {}

  async stats(type: string, lexemes: string[]): Promise<CorpusStats> {
    const now = Date.now();
    const df = new Map<string, number>();
    const missing = ['', ...new Set(lexemes)].filter((l) => {
      const cached = this.#cache.get(`${type}/${l}`);
      if (cached && now - cached.at < DF_CACHE_MS) df.set(l, cached.df);
      return !df.has(l);
    });
    if (missing.length > 0) {
      const indexUid = this.indexUid(type);
      const { results } = await this.client.multiSearch({
        queries: missing.map((q) => ({ indexUid, q, limit: 0, matchingStrategy: 'all' as const })),
      });
      if (this.#cache.size + missing.length > DF_CACHE_LIMIT) this.#cache.clear();
      missing.forEach((l, i) => {
        const n = results[i]?.estimatedTotalHits ?? 0;
        df.set(l, n);
        this.#cache.set(`${type}/${l}`, { df: n, at: now });
      });
    }
    return { docs: df.get('') ?? 0, df, avgLengths: [] };
  }
}

/** Average section lengths over a set of term vectors (the candidates stand for the catalog). */
export function averageLengths(vectors: readonly TermVector[]): number[] {
  const sums = [0, 0, 0, 0];
  for (const v of vectors) {
    v.lengths?.forEach((l, i) => {
      sums[i]! += l;
    });
  }
  return sums.map((s) => (vectors.length > 0 ? s / vectors.length : 0));
}
