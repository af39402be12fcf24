/**
 * The embedded search engine (no MEILI_URL): PostgreSQL full-text search over jieba tokens.
 *
 * - Documents: a tsvector built in TypeScript (tsvector.ts), GIN-indexed; pg_trgm on the title.
 * - Queries: each token becomes an OR over its synonyms (Thesaurus, expanded at query time, so an
 *   operator's edit applies at once without reindexing); tokens are ANDed, falling back to OR and
 *   then to fuzzy matching when nothing matches; ranked with ts_rank_cd.
 * - Long OR queries (need → achievement matching) select candidates by their rarer terms only, so
 *   that ranking never has to score most of the table (see `candidateTerms`).
 */
import type { Database } from '../../platform/db.js';
import {
  assertDocuments,
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
import {
  facetQuery,
  filterConditions,
  type HitRow,
  Params,
  pageQuery,
  type TextPlan,
  toHit,
  UPSERT_SQL,
  upsertRows,
} from './embedded-sql.js';
import { type SynonymGroup, Thesaurus, loadDefaultThesaurus } from './synonyms.js';
import { queryTokens } from './text.js';
import { bigramQuery, combine, type TermQuery, termQueries } from './tsvector.js';

export interface EmbeddedEngineOptions {
  /** separates independent indexes in one database (tests, benchmarks); default 'default' */
  namespace?: string;
  /** how long another replica's synonym edit may take to apply here */
  synonymRefreshMs?: number;
}

/** OR queries with at least this many terms use frequency-based candidate selection. */
const CANDIDATE_MIN_TERMS = 4;
/** Estimated share of the table the candidate terms may select, before ranking. */
const CANDIDATE_BUDGET = 0.06;
const STATS_TTL_MS = 5 * 60_000;

export class EmbeddedSearchEngine implements SearchEngine {
  readonly kind = 'embedded' as const;
  readonly infixMatching = true;
  readonly #database: Database;
  readonly #namespace: string;
  readonly #refreshMs: number;
  #thesaurus: Thesaurus = loadDefaultThesaurus();
  #synonymsLoadedAt = 0;
  #stats: { at: number; freq: Map<string, number>; floor: number } | undefined;

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
  }

  async remove(type: DocumentType, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#database.pool.query(
      'DELETE FROM matching_documents WHERE namespace = $1 AND type = $2 AND id = ANY($3::text[])',
      [this.#namespace, type, ids],
    );
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const { offset, limit } = pageOf(query);
    await this.#refreshSynonyms();
    const tokens = query.terms ?? queryTokens(query.q ?? '');
    const terms = termQueries(tokens, this.#thesaurus);
    const { plan, matched } = terms.length === 0 ? emptyPlan() : await this.#plan(query, terms);
    const p = new Params();
    const conditions = filterConditions(p, this.#namespace, query.type, query.filters);
    const facets = (query.facets ?? []).filter((f) => FACETS.includes(f));
    const [page, facetRows] = await Promise.all([
      this.#database.pool.query<HitRow>(pageQuery(p, conditions, plan, offset, limit), p.values),
      facets.length > 0 ? this.#facets(query, plan, facets) : Promise.resolve([]),
    ]);
    const surfaces = new Map(terms.map((t) => [t.term, t.surfaces]));
    const hits = page.rows.map((row) =>
      toHit(row, highlight(row.title, row.matched.flatMap((t) => surfaces.get(t) ?? [t]))),
    );
    const total = page.rows[0]?.total ?? 0;
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

  async ping(): Promise<void> {
    await this.#database.pool.query('SELECT 1 FROM matching_documents LIMIT 0');
  }

  async reset(): Promise<void> {
    await this.#database.pool.query('DELETE FROM matching_documents WHERE namespace = $1', [this.#namespace]);
    await this.#database.pool.query('DELETE FROM matching_synonym_sets WHERE namespace = $1', [this.#namespace]);
    this.#thesaurus = loadDefaultThesaurus();
    this.#synonymsLoadedAt = Date.now();
  }

  /** Decides how the text matches: all terms, any term (candidates by rarity), or fuzzily. */
  async #plan(query: SearchQuery, terms: TermQuery[]): Promise<{ plan: TextPlan; matched: 'all' | 'any' | 'fuzzy' }> {
    const list = terms.map((t) => ({ term: t.term, tsquery: t.tsquery }));
    const all = combine(terms, '&');
    const any = combine(terms, '|');
    const mode = query.match ?? 'auto';
    if (mode === 'all') return { plan: { condition: all, rank: all, trigram: null, terms: list }, matched: 'all' };
    if (mode === 'auto' && (terms.length === 1 || (await this.#exists(query, all)))) {
      return { plan: { condition: all, rank: all, trigram: null, terms: list }, matched: 'all' };
    }
    const condition = terms.length >= CANDIDATE_MIN_TERMS ? combine(await this.#candidateTerms(terms), '|') : any;
    if (mode === 'any' || (await this.#exists(query, condition))) {
      return { plan: { condition, rank: any, trigram: null, terms: list }, matched: 'any' };
    }
    // Nothing matched: fuzzy, by the Han bigrams of the query and by trigram similarity of the title.
    const raw = query.q ?? (query.terms ?? []).join(' ');
    const bigrams = bigramQuery(raw);
    const fuzzy = bigrams ? `${any} | ${bigrams}` : any;
    return { plan: { condition: fuzzy, rank: fuzzy, trigram: raw, terms: list }, matched: 'fuzzy' };
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
   * The rarer terms of a long OR query, up to an estimated CANDIDATE_BUDGET share of the table.
   * Frequent terms still count in the ranking, but a document matching only those is not worth
   * scoring. Frequencies come from the planner's statistics (pg_stats.most_common_elems, refreshed
   * by autovacuum's ANALYZE); a lexeme missing there is rarer than every listed one.
   */
  async #candidateTerms(terms: TermQuery[]): Promise<TermQuery[]> {
    const stats = await this.#lexemeStats();
    if (stats.freq.size === 0) return terms;
    const estimate = (t: TermQuery) =>
      Math.min(1, t.lexemes.reduce((sum, l) => sum + (stats.freq.get(l) ?? stats.floor), 0));
    const ranked = terms.map((t) => ({ t, f: estimate(t) })).sort((a, b) => a.f - b.f);
    const chosen: TermQuery[] = [];
    let budget = 0;
    for (const { t, f } of ranked) {
      if (chosen.length > 0 && budget + f > CANDIDATE_BUDGET) break;
      chosen.push(t);
      budget += f;
    }
    return chosen;
  }

  async #lexemeStats(): Promise<{ freq: Map<string, number>; floor: number }> {
    if (this.#stats && Date.now() - this.#stats.at < STATS_TTL_MS) return this.#stats;
    const { rows } = await this.#database.pool.query<{ lexeme: string | null; freq: number }>(
      `SELECT s.lexeme, s.freq
         FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS s(lexeme, freq)
        WHERE schemaname = current_schema() AND tablename = 'matching_documents' AND attname = 'tsv'`,
    );
    const freq = new Map<string, number>();
    let floor = 1;
    for (const row of rows) {
      if (row.lexeme === null) continue;
      freq.set(row.lexeme, row.freq);
      floor = Math.min(floor, row.freq);
    }
    this.#stats = { at: Date.now(), freq, floor: freq.size > 0 ? floor / 2 : 0 };
    return this.#stats;
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
  return { plan: { condition: null, rank: null, trigram: null, terms: [] }, matched: 'none' };
}
