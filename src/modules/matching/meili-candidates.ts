/**
 * The lexical ranker's side of the Meilisearch adapter: Meilisearch retrieves generously (any of
 * the query's rarer words, its own relevance order), and the candidates are re-ranked by the same
 * BM25F scorer as on the embedded engine (lexical.ts). Term vectors are computed here from the
 * retrieved text with the same tokenizer the embedded engine indexes with; document frequencies
 * and average section lengths are the embedded engine's too, counted on Meilisearch over the
 * lexemes each document carries (`MeiliFrequencies`).
 */
import type { Meilisearch } from 'meilisearch';
import type { CorpusStats, TermVector } from './lexical.js';
import { type DocumentFields, documentFields } from './tsvector.js';

/** Documents whose tokens are kept (`tokensOf`): a few requests' candidates. */
export const TOKEN_CACHE_LIMIT = 2000;
const tokenCache = new Map<string, DocumentFields>();

/**
 * The tokens of a retrieved document's sections, segmented once per text: one match retrieves the
 * same documents in several passes (the first, the feedback's, the candidates extended), and the
 * next matches many of them again. Keyed by the texts themselves (the segmenter's dictionary does
 * not change while the process runs), least recently used dropped first.
 */
function tokensOf(doc: { title: string; keywords?: string[]; summary?: string; body?: string }) {
  const key = [doc.title, (doc.keywords ?? []).join('\u0002'), doc.summary ?? '', doc.body ?? ''].join(
    '\u0001',
  );
  const cached = tokenCache.get(key);
  if (cached) {
    tokenCache.delete(key);
    tokenCache.set(key, cached);
    return cached;
  }
  const fields = documentFields(doc);
  if (tokenCache.size >= TOKEN_CACHE_LIMIT) tokenCache.delete(tokenCache.keys().next().value!);
  tokenCache.set(key, fields);
  return fields;
}

/** The term vector of a retrieved document, restricted to `lexemes` (or all of them). */
export function termVectorOf(
  doc: { title: string; keywords?: string[]; summary?: string; body?: string },
  lexemes: ReadonlySet<string> | 'all',
): TermVector {
  const fields = tokensOf(doc);
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
/** Documents whose section lengths are read for the average (all of them in a smaller catalog). */
export const LENGTH_SAMPLE = 1000;

/** The fields a Meilisearch document carries for the ranker's statistics (toMeiliDocument). */
export function statisticsFields(doc: {
  title: string;
  keywords?: string[];
  summary?: string;
  body?: string;
}): {
  lexemes: string[];
  sectionLengths: number[];
} {
  const fields = documentFields(doc);
  return { lexemes: [...new Set(fields.flat())], sectionLengths: fields.map((f) => f.length) };
}

type MultiSearchQuery = Parameters<Meilisearch['multiSearch']>[0]['queries'][number];

/** Document frequencies read in one multi-search, with the catalog's size read in it. */
interface CountBatch {
  readonly docs: number;
  readonly df: ReadonlyMap<string, number>;
  readonly at: number;
}

/** The number of documents a query selects, uncapped: the sum of its per-status facet counts. */
function countOf(result: { facetDistribution?: Record<string, Record<string, number>> } | undefined): number {
  return Object.values(result?.facetDistribution?.status ?? {}).reduce((sum, n) => sum + n, 0);
}

/**
 * Corpus statistics on Meilisearch, the embedded engine's: each document carries its lexemes (the
 * tokens of its tsvector on the embedded engine, `statisticsFields`) in a filterable attribute, so
 * a lexeme's document frequency is the number of documents the filter `lexemes = "…"` selects (one
 * multi-search for the lexemes not cached; counted by the status facet, which maxTotalHits does not
 * cap), and its section lengths are averaged over the catalog (over the `LENGTH_SAMPLE` most recently
 * updated documents beyond that). Documents indexed before these fields existed (until `techex
 * reindex`) are counted the old way: Meilisearch's hit counts for the lexeme as a query (its own
 * segmentation: prefixes count, words inside longer words do not), averages from the candidates.
 */
export class MeiliFrequencies {
  /** `type/=lexeme` (`~` counted the old way) → the batch that counted it; `type/=` → the newest batch */
  readonly #cache = new Map<string, CountBatch>();
  readonly #lengths = new Map<string, { avg: number[]; complete: boolean; at: number }>();

  constructor(
    private readonly client: Meilisearch,
    private readonly indexUid: (type: string) => string,
  ) {}

  async stats(type: string, lexemes: string[]): Promise<CorpusStats> {
    const now = Date.now();
    const indexUid = this.indexUid(type);
    let lengths = this.#lengths.get(type);
    if (!lengths || now - lengths.at >= DF_CACHE_MS) {
      lengths = { ...(await this.#averageLengths(indexUid)), at: now };
      this.#lengths.set(type, lengths);
    }
    const exact = lengths.complete;
    const key = (l: string) => `${type}/${exact ? '=' : '~'}${l}`;
    const fresh = (batch: CountBatch | undefined) =>
      batch && now - batch.at < DF_CACHE_MS ? batch : undefined;
    const df = new Map<string, number>();
    const missing = [...new Set(lexemes)].filter((l) => {
      const n = fresh(this.#cache.get(key(l)))?.df.get(l);
      if (n !== undefined) df.set(l, n);
      return n === undefined;
    });
    // the size of the newest batch: a count read now comes with the size read with it, so no word
    // is counted in more documents than the catalog holds (a cached size could be older)
    let sized = fresh(this.#cache.get(key('')));
    if (missing.length > 0 || !sized) {
      sized = await this.#count(indexUid, exact, missing, now);
      if (this.#cache.size + missing.length + 1 > DF_CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(key(''), sized);
      for (const l of missing) {
        this.#cache.set(key(l), sized);
        df.set(l, sized.df.get(l) ?? 0);
      }
    }
    const { docs } = sized;
    // a word counted in an earlier batch than the size, in a catalog that has shrunk since
    for (const [l, n] of df) if (n > docs) df.set(l, docs);
    return { docs, df, avgLengths: exact ? lengths.avg : [] };
  }

  /** The catalog's size and the document frequencies of `lexemes`, read together (one multi-search). */
  async #count(indexUid: string, exact: boolean, lexemes: string[], at: number): Promise<CountBatch> {
    const queries: MultiSearchQuery[] = ['', ...lexemes].map((l) =>
      exact
        ? {
            indexUid,
            q: '',
            limit: 0,
            facets: ['status'],
            ...(l === '' ? {} : { filter: `lexemes = ${JSON.stringify(l)}` }),
          }
        : { indexUid, q: l, limit: 0, matchingStrategy: 'all' as const },
    );
    const { results } = await this.client.multiSearch({ queries });
    const counts = results.map((r) => (exact ? countOf(r) : (r?.estimatedTotalHits ?? 0)));
    return { docs: counts[0] ?? 0, df: new Map(lexemes.map((l, i) => [l, counts[i + 1] ?? 0])), at };
  }

  /**
   * The average section lengths, and whether every document carries its statistics fields (all
   * documents as many as those with `lexemes`); one multi-search.
   */
  async #averageLengths(indexUid: string): Promise<{ avg: number[]; complete: boolean }> {
    const { results } = await this.client.multiSearch({
      queries: [
        { indexUid, q: '', limit: 0, facets: ['status'] },
        { indexUid, q: '', limit: 0, facets: ['status'], filter: 'lexemes EXISTS' },
        {
          indexUid,
          q: '',
          limit: LENGTH_SAMPLE,
          attributesToRetrieve: ['sectionLengths'],
          filter: 'lexemes EXISTS',
        },
      ],
    });
    const [all, withLexemes, sample] = results;
    const complete = countOf(all) === countOf(withLexemes);
    const vectors = (sample?.hits ?? []).map((h) => ({
      tf: new Map(),
      lengths: Array.isArray(h.sectionLengths) ? (h.sectionLengths as number[]) : null,
    }));
    return { avg: averageLengths(vectors), complete: complete && vectors.length > 0 };
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
