/**
 * The embedded search engine (no MEILI_URL): PostgreSQL full-text search over jieba tokens.
 *
 * - Documents: a tsvector built in TypeScript (tsvector.ts), GIN-indexed; pg_trgm on the title.
 * - Queries: each token becomes an OR over its synonyms (Thesaurus, expanded at query time, so an
 *   operator's edit applies at once without reindexing); tokens are ANDed, falling back to OR and
 *   then to fuzzy matching when nothing matches; ranked with ts_rank_cd.
 * - Long OR queries (need → achievement matching) select candidates by their rarer terms only, from
 *   exact document frequencies kept beside the index, so ranking never scores most of the table
 *   (term-stats.ts).
 */
import type { Database } from '../../platform/db.js';
import {
  type CandidateRow,
  candidatesByIdQuery,
  candidatesQuery,
  facetQuery,
  filterConditions,
  type HitRow,
  Params,
  pageQuery,
  parseTermVector,
  REMOVE_SQL,
  TERM_STATS_SQL,
  type TextPlan,
  toHit,
  UPSERT_SQL,
  upsertRows,
} from './embedded-sql.js';
import {
  assertDocuments,
  type Candidate,
  type CandidateQuery,
  type DocumentType,
  FACETS,
  highlight,
  NAMESPACE_RE,
  pageOf,
  type SearchDocument,
  type SearchEngine,
  type SearchQuery,
  type SearchResult,
} from './engine.js';
import type { CorpusStats } from './lexical.js';
import { loadDefaultThesaurus, type SynonymGroup, Thesaurus } from './synonyms.js';
import { candidateTerms, type TermStats, termFrequency, termWeights } from './term-stats.js';
import { queryTokens } from './text.js';
import { bigramQuery, combine, matchedTerms, quoteLexeme, type TermQuery, termQueries } from './tsvector.js';

export interface EmbeddedEngineOptions {
  /** separates independent indexes in one database (tests, benchmarks); default 'default' */
  namespace?: string;
  /** how long another replica's synonym edit may take to apply here */
  synonymRefreshMs?: number;
}

/** OR queries with at least this many terms use frequency-based candidate selection. */
const CANDIDATE_MIN_TERMS = 4;
/** Rows the candidate terms may select before ranking (each costs ~10 µs to fetch and rank). */
export const CANDIDATE_ROWS = 1500;
const DF_CACHE_MS = 60_000;
/** Pseudo-lexemes of matching_term_stats: summed section lengths, and the documents counted in them. */
const LENGTH_STATS = [' len1', ' len2', ' len3', ' len4', ' lendocs'];
const DF_CACHE_LIMIT = 200_000;

export class EmbeddedSearchEngine implements SearchEngine {
  readonly kind = 'embedded' as const;
  readonly infixMatching = true;
  readonly #database: Database;
  readonly #namespace: string;
  readonly #refreshMs: number;
  #thesaurus: Thesaurus = loadDefaultThesaurus();
  #synonymsLoadedAt = 0;
  /** per document type: lexeme → its document frequency and when it was read */
  readonly #dfCache = new Map<DocumentType, Map<string, { df: number; at: number }>>();

  constructor(database: Database, opts: EmbeddedEngineOptions = {}) {
    const namespace = opts.namespace ?? 'default';
    if (!NAMESPACE_RE.test(namespace)) throw new Error(`invalid search namespace: ${namespace}`);
    this.#database = database;
    this.#namespace = namespace;
    this.#refreshMs = opts.synonymRefreshMs ?? 30_000;
  }

  async ensureSetup(): Promise<void> {
    // The tables come from the migrations; this checks they are there and loads the thesaurus.
    await this.ping();
    await this.#loadSynonyms();
  }

  async upsert(docs: SearchDocument[]): Promise<void> {
    if (docs.length === 0) return;
    assertDocuments(docs);
    // ON CONFLICT cannot touch one row twice in a statement: the last version in the batch wins.
    const unique = [...new Map(docs.map((d) => [`${d.type}/${d.id}`, d])).values()];
    await this.#database.pool.query(UPSERT_SQL, [this.#namespace, JSON.stringify(upsertRows(unique))]);
    this.#dfCache.clear();
  }

  async remove(type: DocumentType, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#database.pool.query(REMOVE_SQL, [this.#namespace, type, ids]);
    this.#dfCache.clear();
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const { offset, limit } = pageOf(query);
    await this.#refreshSynonyms();
    const tokens = query.terms ?? queryTokens(query.q ?? '');
    const terms = termQueries(tokens, this.#thesaurus);
    const stats = terms.length > 1 ? await this.#termStats(query.type, terms) : undefined;
    const { plan, matched } = terms.length === 0 ? emptyPlan() : await this.#plan(query, terms, stats);
    const p = new Params();
    const conditions = filterConditions(p, this.#namespace, query.type, query.filters);
    const facets = (query.facets ?? []).filter((f) => FACETS.includes(f));
    const [page, facetRows] = await Promise.all([
      this.#database.pool.query<HitRow>(
        pageQuery(p, conditions, plan, {
          offset,
          limit,
          countTotal: query.countTotal !== false,
          sort: query.sort,
        }),
        p.values,
      ),
      facets.length > 0 ? this.#facets(query, plan, facets) : Promise.resolve([]),
    ]);
    const surfaces = new Map(terms.map((t) => [t.term, t.surfaces]));
    const mark =
      query.highlight === false
        ? () => []
        : (matched: string[]) => matched.flatMap((t) => surfaces.get(t) ?? [t]);
    const hits = page.rows.map((row) => {
      const matched = matchedTerms(terms, new Set(row.lexemes));
      return toHit(row, matched, highlight(row.title, mark(matched)));
    });
    const total = page.rows[0]?.total ?? offset + hits.length;
    const result: SearchResult['facets'] = {};
    for (const facet of facets) result[facet] = {};
    for (const row of facetRows) result[row.facet]![row.value] = row.n;
    return {
      hits,
      total,
      offset,
      limit,
      nextOffset: offset + hits.length < total ? offset + hits.length : null,
      facets: result,
      matched,
      queryTerms: terms.map((t) => t.term),
      termWeights: stats ? termWeights(terms, stats) : Object.fromEntries(terms.map((t) => [t.term, 1])),
    };
  }

  async setSynonyms(groups: SynonymGroup[]): Promise<void> {
    await this.#database.pool.query(
      `INSERT INTO matching_synonym_sets (namespace, groups, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (namespace) DO UPDATE SET groups = excluded.groups, updated_at = now()`,
      [this.#namespace, JSON.stringify(groups)],
    );
    this.#thesaurus = new Thesaurus(groups);
    this.#synonymsLoadedAt = Date.now();
  }

  async getSynonyms(): Promise<SynonymGroup[]> {
    await this.#refreshSynonyms();
    return this.#thesaurus.groups();
  }

  async thesaurus(): Promise<Thesaurus> {
    await this.#refreshSynonyms();
    return this.#thesaurus;
  }

  async corpusStats(type: DocumentType, lexemes: string[]): Promise<CorpusStats> {
    const df = await this.#documentFrequencies(type, [...lexemes, ...LENGTH_STATS]);
    const withLengths = df.get(' lendocs') ?? 0;
    const avgLengths = LENGTH_STATS.slice(0, 4).map((l) =>
      withLengths > 0 ? (df.get(l) ?? 0) / withLengths : 0,
    );
    return { docs: df.get('') ?? 0, df, avgLengths };
  }

  async candidates(query: CandidateQuery): Promise<Candidate[]> {
    if (query.select.length === 0) return [];
    const p = new Params();
    const where = filterConditions(p, this.#namespace, query.type, query.filters);
    const ids = query.filters?.ids;
    const sql =
      query.unordered && ids && ids.length <= query.limit
        ? candidatesByIdQuery(p, where, query.select, query.lexemes)
        : candidatesQuery(p, where, query.select.map(quoteLexeme).join(' | '), query.lexemes, query.limit);
    const { rows } = await this.#database.pool.query<CandidateRow>(sql, p.values);
    return rows.map((row) => ({
      hit: toHit(row, [], row.title),
      tf: parseTermVector(row.tf),
      lengths: row.field_lengths,
      keywords: row.keywords ?? [],
    }));
  }

  async ping(): Promise<void> {
    await this.#database.pool.query('SELECT 1 FROM matching_documents LIMIT 0');
  }

  async reset(): Promise<void> {
    await this.#database.pool.query('DELETE FROM matching_documents WHERE namespace = $1', [this.#namespace]);
    await this.#database.pool.query('DELETE FROM matching_synonym_sets WHERE namespace = $1', [
      this.#namespace,
    ]);
    this.#thesaurus = loadDefaultThesaurus();
    this.#synonymsLoadedAt = Date.now();
  }

  /** Decides how the text matches: all terms, any term (candidates by rarity), or fuzzily. */
  async #plan(
    query: SearchQuery,
    terms: TermQuery[],
    stats: TermStats | undefined,
  ): Promise<{ plan: TextPlan; matched: 'all' | 'any' | 'fuzzy' }> {
    const lexemes = [...new Set(terms.flatMap((t) => t.lexemes))];
    // Terms no document contains cannot match: they only cost ranking time.
    const present = stats ? terms.filter((t) => termFrequency(t, stats) > 0) : terms;
    const all = combine(terms, '&');
    const any = combine(present.length > 0 ? present : terms, '|');
    const plan = (condition: string, rank: string, trigram: string | null = null): TextPlan => ({
      condition,
      rank,
      trigram,
      coverDensity: terms.length < CANDIDATE_MIN_TERMS,
      lexemes,
    });
    const mode = query.match ?? 'auto';
    if (mode === 'all') return { plan: plan(all, all), matched: 'all' };
    const allPossible = present.length === terms.length;
    if (mode === 'auto' && allPossible && (await this.#exists(query, all))) {
      return { plan: plan(all, all), matched: 'all' };
    }
    if (present.length > 0) {
      const long = stats && terms.length >= CANDIDATE_MIN_TERMS;
      const condition = long ? combine(candidateTerms(present, stats, CANDIDATE_ROWS), '|') : any;
      if (mode === 'any' || (await this.#exists(query, condition))) {
        return { plan: plan(condition, any), matched: 'any' };
      }
    } else if (mode === 'any') {
      return { plan: plan(any, any), matched: 'any' };
    }
    // Nothing matched: fuzzy, by the Han bigrams of the query and by trigram similarity of the title.
    const raw = query.q ?? (query.terms ?? []).join(' ');
    const bigrams = bigramQuery(raw);
    const fuzzy = bigrams ? `${any} | ${bigrams}` : any;
    return { plan: plan(fuzzy, fuzzy, raw), matched: 'fuzzy' };
  }

  async #exists(query: SearchQuery, tsquery: string): Promise<boolean> {
    const p = new Params();
    const where = filterConditions(p, this.#namespace, query.type, query.filters);
    where.push(`d.tsv @@ ${p.add(tsquery, 'tsquery')}`);
    const sql = `SELECT EXISTS (SELECT 1 FROM matching_documents d WHERE ${where.join(' AND ')}) AS found`;
    const { rows } = await this.#database.pool.query<{ found: boolean }>(sql, p.values);
    return rows[0]?.found ?? false;
  }

  async #facets(query: SearchQuery, plan: TextPlan, facets: (typeof FACETS)[number][]) {
    const p = new Params();
    const where = filterConditions(p, this.#namespace, query.type, query.filters);
    let text: string | null = null;
    if (plan.condition && plan.trigram) {
      text = `(d.tsv @@ ${p.add(plan.condition, 'tsquery')} OR ${p.add(plan.trigram, 'text')} <% d.title)`;
    } else if (plan.condition) {
      text = `d.tsv @@ ${p.add(plan.condition, 'tsquery')}`;
    }
    type FacetRow = { facet: (typeof FACETS)[number]; value: string; n: number };
    const { rows } = await this.#database.pool.query<FacetRow>(facetQuery(where, text, facets), p.values);
    return rows;
  }

  /**
   * Document frequencies of the query's lexemes in this namespace and type. Cached for a minute:
   * they serve candidate selection and term weights, where a slightly stale count does no harm,
   * and a query's vocabulary recurs across queries.
   */
  async #termStats(type: DocumentType, terms: TermQuery[]): Promise<TermStats> {
    const df = await this.#documentFrequencies(
      type,
      terms.flatMap((t) => t.lexemes),
    );
    return { docs: df.get('') ?? 0, df };
  }

  /** Document frequencies of `lexemes` and of '' (the document count), cached for a minute. */
  async #documentFrequencies(type: DocumentType, wanted: string[]): Promise<Map<string, number>> {
    const now = Date.now();
    const cache = this.#dfCache.get(type) ?? new Map<string, { df: number; at: number }>();
    this.#dfCache.set(type, cache);
    const df = new Map<string, number>();
    const unknown = new Set<string>();
    // a request asks for a thousand lexemes or so, most of them cached: no key is built per lexeme
    for (const lexeme of ['', ...wanted]) {
      const cached = cache.get(lexeme);
      if (cached && now - cached.at < DF_CACHE_MS) df.set(lexeme, cached.df);
      else unknown.add(lexeme);
    }
    if (unknown.size > 0) {
      const missing = [...unknown];
      const { rows } = await this.#database.pool.query<{ lexeme: string; df: number }>(TERM_STATS_SQL, [
        this.#namespace,
        type,
        missing,
      ]);
      const found = new Map(rows.map((r) => [r.lexeme, r.df]));
      if (cache.size + missing.length > DF_CACHE_LIMIT) cache.clear();
      for (const lexeme of missing) {
        df.set(lexeme, found.get(lexeme) ?? 0);
        cache.set(lexeme, { df: found.get(lexeme) ?? 0, at: now });
      }
    }
    return df;
  }

  async #refreshSynonyms(): Promise<void> {
    if (Date.now() - this.#synonymsLoadedAt < this.#refreshMs) return;
    await this.#loadSynonyms();
  }

  async #loadSynonyms(): Promise<void> {
    const { rows } = await this.#database.pool.query<{ groups: SynonymGroup[] }>(
      'SELECT groups FROM matching_synonym_sets WHERE namespace = $1',
      [this.#namespace],
    );
    this.#thesaurus = rows[0] ? new Thesaurus(rows[0].groups) : loadDefaultThesaurus();
    this.#synonymsLoadedAt = Date.now();
  }
}

function emptyPlan(): { plan: TextPlan; matched: 'none' } {
  return {
    plan: { condition: null, rank: null, trigram: null, coverDensity: true, lexemes: [] },
    matched: 'none',
  };
}
