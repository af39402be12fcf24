/**
 * Meilisearch adapter of the `SearchEngine` port (MEILI_URL set): one index per document type,
 * settings applied at setup, every write waited for, so a caller sees its own writes like with the
 * embedded engine. Writes go out as one task per index and call (up to `SEARCH_LIMITS.maxBatch`
 * documents), the tasks of one call enqueued together and awaited together.
 *
 * Known differences, documented in the contract tests and the README: Meilisearch matches words
 * and prefixes only (处理 does not find 待处理), applies synonyms on its side (toMeilisearch), and
 * has no "newer version wins" guard — index-apply.ts re-reads the catalog after each write instead.
 *
 * The server must be at least `MEILI_MIN_VERSION` (checked by `ensureSetup`); a search that
 * cannot reach it fails within `searchTimeoutMs` with a 503 problem (`search-unavailable`).
 */
import {
  type EnqueuedTaskPromise,
  type FederatedMultiSearchParams,
  Meilisearch,
  MeilisearchApiError,
  type SearchParams,
  type SearchResponse,
  type Settings,
} from 'meilisearch';
import { ServiceUnavailableError } from '../../platform/errors.js';
import { registerMessages } from '../../platform/messages.js';
import {
  assertDocuments,
  type Candidate,
  type CandidateQuery,
  cityOf,
  DOCUMENT_TYPES,
  type DocumentType,
  FACETS,
  type FacetName,
  highlight,
  NAMESPACE_RE,
  pageOf,
  priceRange,
  regionPath,
  SEARCHABLE_STATUSES,
  type SearchDocument,
  type SearchEngine,
  type SearchFilters,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
} from './engine.js';
import type { CorpusStats } from './lexical.js';
import { MeiliFrequencies, statisticsFields, termVectorOf } from './meili-candidates.js';
import {
  type MeiliEmbeddingsOptions,
  MeiliVectors,
  removeOtherEmbedders,
  VECTOR_TYPES,
} from './meili-vectors.js';
import { loadDefaultThesaurus, type SynonymGroup, Thesaurus } from './synonyms.js';
import { normalizeText, queryTokens } from './text.js';

registerMessages({
  'search-unavailable': {
    title: { 'zh-CN': '检索服务暂不可用', en: 'Search is unavailable' },
    detail: {
      'zh-CN': '检索引擎暂时无法访问，请稍后重试；目录数据不受影响。',
      en: 'The search engine cannot be reached right now; retry shortly. The catalog itself is unaffected.',
    },
  },
});

/** The oldest Meilisearch release this adapter is tested with (CI runs 1.50.0). */
export const MEILI_MIN_VERSION = '1.50.0';

/** Thrown by `ensureSetup` when the server is older than `MEILI_MIN_VERSION`. */
export class MeiliVersionError extends Error {
  constructor(
    readonly found: string,
    url: string,
  ) {
    super(
      `Meilisearch at ${url} is version ${found}; techex needs ${MEILI_MIN_VERSION} or newer ` +
        `(the version it is tested with). Upgrade the server (docker-compose.yml pins getmeili/meilisearch:v1.50), ` +
        'or unset MEILI_URL to use the embedded search engine.',
    );
    this.name = 'MeiliVersionError';
  }
}

/** -1, 0 or 1 as dotted version `a` is older than, equal to or newer than `b` (pre-release tags ignored). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .split(/[-+]/)[0]!
      .split('.')
      .map((x) => Number.parseInt(x, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export interface MeiliEngineOptions {
  url: string;
  apiKey?: string | undefined;
  /** prefix of the index names, e.g. 'techex' → techex_achievement; default 'techex' */
  indexPrefix?: string;
  /** a search that gets no answer within this many ms fails with 503 `search-unavailable`; default 5000 */
  searchTimeoutMs?: number;
  /** the longest wait for one write task (indexing documents, settings); default 120 000 */
  taskTimeoutMs?: number;
  /** EMBEDDINGS_URL set: the listings' vectors are kept in the documents (meili-vectors.ts) */
  embeddings?: MeiliEmbeddingsOptions | undefined;
}

const FACET_ATTRIBUTE: Record<FacetName, string> = {
  field: 'fieldCode',
  region: 'cityCode',
  mode: 'transferModes',
};
const SEARCHED_TEXT = ['title', 'keywords', 'summary', 'body'];
const RETRIEVED = [
  ...['id', 'type', 'title', 'fieldCode', 'regionCode', 'trl', 'minTrl', 'transferModes', 'priceFen'],
  ...['priceMinFen', 'priceMaxFen', 'organisationId', 'status', 'updatedAt'],
];

const SETTINGS: Settings = {
  // order = attribute ranking: a word in the title outranks one in the body
  searchableAttributes: ['title', 'keywords', 'summary', 'body'],
  filterableAttributes: [
    'key',
    'status',
    'fieldCode',
    'regionPath',
    'cityCode',
    'trl',
    'minTrl',
    'transferModes',
    'priceMinFen',
    'priceMaxFen',
    'negotiable',
    'organisationId',
    'tags',
    // the tokens of the document, for the ranker's document frequencies (meili-candidates.ts)
    'lexemes',
  ],
  sortableAttributes: ['updatedAt', 'trl', 'priceFen'],
  rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness', 'updatedAt:desc'],
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
  localizedAttributes: [{ attributePatterns: ['*'], locales: ['cmn'] }],
  pagination: { maxTotalHits: 2000 },
  faceting: { maxValuesPerFacet: 200 },
};

/** Selecting words queried (one query each) by the lexical ranker's candidate retrieval. */
const MEILI_QUERY_WORDS = 40;

/** Meilisearch ids allow only [A-Za-z0-9_-]; any catalog id is carried through base64url. */
const keyOf = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const quote = (value: string | number) => (typeof value === 'number' ? String(value) : JSON.stringify(value));
const anyOf = (attribute: string, values: readonly string[]) =>
  `${attribute} IN [${values.map(quote).join(', ')}]`;

export class MeiliSearchEngine implements SearchEngine {
  readonly kind = 'meilisearch' as const;
  readonly infixMatching = false;
  readonly #client: Meilisearch;
  readonly #searchClient: Meilisearch;
  readonly #url: string;
  readonly #prefix: string;
  readonly #taskTimeoutMs: number;
  #thesaurus: Thesaurus = loadDefaultThesaurus();
  readonly #frequencies: MeiliFrequencies;
  /** user-provided vectors and vector search, when embeddings are configured */
  readonly vectors: MeiliVectors | undefined;

  constructor(opts: MeiliEngineOptions) {
    const prefix = opts.indexPrefix ?? 'techex';
    if (!NAMESPACE_RE.test(prefix)) throw new Error(`invalid index prefix: ${prefix}`);
    this.#url = opts.url;
    this.#client = new Meilisearch({ host: opts.url, apiKey: opts.apiKey, timeout: 30_000 });
    this.#searchClient = new Meilisearch({
      host: opts.url,
      apiKey: opts.apiKey,
      timeout: opts.searchTimeoutMs ?? 5000,
    });
    this.#prefix = prefix;
    this.#taskTimeoutMs = opts.taskTimeoutMs ?? 120_000;
    this.#frequencies = new MeiliFrequencies(this.#searchClient, (type) => `${prefix}_${type}`);
    this.vectors = opts.embeddings
      ? new MeiliVectors(
          this.#client,
          this.#searchClient,
          (type) => this.#uid(type),
          keyOf,
          (tasks) => this.#succeeded(tasks),
          opts.embeddings,
        )
      : undefined;
  }

  #uid(type: DocumentType | 'settings') {
    return `${this.#prefix}_${type}`;
  }

  #index(type: DocumentType) {
    return this.#client.index(this.#uid(type));
  }

  get #settingsIndex() {
    return this.#client.index(this.#uid('settings'));
  }

  /**
   * The server's version; a server older than `MEILI_MIN_VERSION` is refused (MeiliVersionError),
   * an unreachable one is `search-unavailable`.
   */
  async checkVersion(): Promise<string> {
    const { pkgVersion } = await this.#client.getVersion().catch((err) => {
      // a refusal (a wrong key) is a set-up error to report as such, not an outage
      throw err instanceof MeilisearchApiError && err.response.status < 500 ? err : unavailable(err);
    });
    if (compareVersions(pkgVersion, MEILI_MIN_VERSION) < 0)
      throw new MeiliVersionError(pkgVersion, this.#url);
    return pkgVersion;
  }

  async ensureSetup(): Promise<void> {
    await this.checkVersion();
    const created = [...DOCUMENT_TYPES, 'settings' as const].map((uid) =>
      this.#client.createIndex(this.#uid(uid), { primaryKey: 'key' }),
    );
    for (const task of await this.#waitAll(created)) {
      if (task.status === 'failed' && task.error?.code !== 'index_already_exists') {
        throw new Error(`Meilisearch createIndex failed: ${task.error?.message}`);
      }
    }
    // an embedder left by another model, or by embeddings now off, would refuse new documents
    if (this.vectors) await this.vectors.setup();
    else {
      const uids = VECTOR_TYPES.map((type) => this.#uid(type));
      await removeOtherEmbedders(this.#client, uids, (tasks) => this.#succeeded(tasks), undefined);
    }
    const stored = await this.#settingsIndex.getDocument('synonyms').catch(() => undefined);
    if (stored) this.#thesaurus = new Thesaurus(stored.groups as SynonymGroup[]);
    await this.#applySettings();
  }

  async upsert(docs: SearchDocument[]): Promise<void> {
    if (docs.length === 0) return;
    assertDocuments(docs);
    const tasks: EnqueuedTaskPromise[] = [];
    for (const type of DOCUMENT_TYPES) {
      const typed = docs.filter((d) => d.type === type);
      if (typed.length === 0) continue;
      const vectors = this.vectors && VECTOR_TYPES.includes(type) ? this.vectors : undefined;
      const stored = await vectors?.documentVectors(type, typed);
      const batch = typed.map((doc) => {
        const out = toMeiliDocument(doc);
        // Meilisearch wants the field on every document once the embedder exists (null: none yet)
        if (vectors) out._vectors = { [vectors.name]: stored?.get(doc.id) ?? null };
        return out;
      });
      tasks.push(this.#index(type).addDocuments(batch, { primaryKey: 'key' }));
    }
    await this.#succeeded(tasks);
  }

  async remove(type: DocumentType, ids: string[]): Promise<void> {
    const tasks: EnqueuedTaskPromise[] = [];
    for (let i = 0; i < ids.length; i += SEARCH_BATCH) {
      tasks.push(this.#index(type).deleteDocuments(ids.slice(i, i + SEARCH_BATCH).map(keyOf)));
    }
    await this.#succeeded(tasks);
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const { offset, limit } = pageOf(query);
    const tokens = query.terms ?? queryTokens(query.q ?? '');
    const q = tokens.join(' ');
    const mode = query.match ?? 'auto';
    const facets = (query.facets ?? []).filter((f) => FACETS.includes(f));
    const params: SearchParams = {
      offset,
      limit,
      filter: filterExpression(query.filters),
      facets: facets.map((f) => FACET_ATTRIBUTE[f]),
      matchingStrategy: mode === 'any' ? 'frequency' : 'all',
      // _formatted only holds retrieved attributes, so the texts are retrieved to learn which words
      // matched; the body is cropped around its matches to keep responses small
      attributesToRetrieve: q === '' ? RETRIEVED : [...RETRIEVED, ...SEARCHED_TEXT],
      attributesToHighlight: q === '' ? [] : SEARCHED_TEXT,
      attributesToCrop: q === '' ? [] : ['body'],
      cropLength: 200,
      highlightPreTag: '\uE000',
      highlightPostTag: '\uE001',
      showRankingScore: true,
      ...(query.sort === 'freshness' ? { sort: ['updatedAt:desc'] } : {}),
    };
    // 'auto': every term first; any term only when no document has them all (a second query;
    // Meilisearch's 'last' strategy would fill the page with partial matches beside full ones)
    let matched: SearchResult['matched'] = q === '' ? 'none' : mode === 'any' ? 'any' : 'all';
    let response =
      mode === 'any' && tokens.length > 1
        ? await this.#anyTerm(query.type, tokens, params, facets)
        : await this.#search(query.type, q, params);
    if (mode === 'auto' && tokens.length > 1 && (response.estimatedTotalHits ?? 0) === 0) {
      response = await this.#anyTerm(query.type, tokens, params, facets);
      matched = 'any';
    }
    const surfaces = tokens.map((t) => ({ term: normalizeText(t), surfaces: this.#thesaurus.expand(t) }));
    const hits = response.hits.map((hit): SearchHit => {
      const fragments = highlightedFragments(hit._formatted);
      // a federated (any-term) hit is highlighted for the one query it ranked best in; the other
      // terms it has are read from its texts, which are retrieved whole
      const text = hit._federation
        ? normalizeText(SEARCHED_TEXT.map((a) => [hit[a]].flat().join(' ')).join(' '))
        : '';
      const matchedSurfaces = surfaces.filter((s) =>
        s.surfaces.some(
          (w) => fragments.some((f) => f.includes(w) || w.startsWith(f)) || (text !== '' && text.includes(w)),
        ),
      );
      return {
        id: hit.id,
        type: query.type,
        // federated (any term): the weighted score the hits are ordered by
        score: hit._federation?.weightedRankingScore ?? hit._rankingScore ?? 0,
        title: hit.title,
        fieldCode: hit.fieldCode ?? null,
        regionCode: hit.regionCode ?? null,
        trl: hit.trl ?? null,
        minTrl: hit.minTrl ?? null,
        transferModes: hit.transferModes ?? [],
        priceFen: hit.priceFen ?? null,
        budgetMinFen: query.type === 'achievement' ? null : (hit.priceMinFen ?? null),
        budgetMaxFen: query.type === 'achievement' ? null : (hit.priceMaxFen ?? null),
        organisationId: hit.organisationId ?? null,
        status: hit.status,
        updatedAt: new Date(hit.updatedAt).toISOString(),
        matchedTerms: matchedSurfaces.map((s) => s.term),
        highlightedTitle: highlight(hit.title, query.highlight === false ? [] : fragments),
      };
    });
    const total = response.estimatedTotalHits ?? hits.length;
    const distribution = response.facetDistribution ?? {};
    const result: SearchResult['facets'] = {};
    for (const f of facets) result[f] = { ...(distribution[FACET_ATTRIBUTE[f]] ?? {}) };
    return {
      hits,
      total,
      offset,
      limit,
      nextOffset: offset + hits.length < total ? offset + hits.length : null,
      facets: result,
      matched,
      queryTerms: surfaces.map((s) => s.term),
      // Meilisearch weighs words by frequency itself but does not expose it
      termWeights: Object.fromEntries(surfaces.map((s) => [s.term, 1])),
    };
  }

  /**
   * Documents with any of the terms. Meilisearch's strategies only drop words from the end
   * ('last') or drop frequent words while others remain ('frequency'), so neither finds a document
   * having only, say, the first term of three. One federated multi-search instead: the whole query
   * ('last': documents with more of the terms score higher) and each term on its own at half
   * weight, so that a document with every term outranks one with a single term. Meilisearch
   * returns each document once, and counts and facets over the union.
   */
  async #anyTerm(
    type: DocumentType,
    tokens: string[],
    params: SearchParams,
    facets: FacetName[],
  ): Promise<SearchResponse<MeiliHit>> {
    const { offset, limit, facets: _facets, ...common } = params;
    const indexUid = this.#uid(type);
    const queries = [
      { ...common, indexUid, q: tokens.join(' '), matchingStrategy: 'last' as const },
      ...tokens.map((t) => ({
        ...common,
        indexUid,
        q: t,
        matchingStrategy: 'all' as const,
        federationOptions: { weight: 0.5 },
      })),
    ];
    try {
      return await this.#searchClient.multiSearch<FederatedMultiSearchParams, MeiliHit>({
        federation: {
          offset,
          limit,
          ...(facets.length
            ? { facetsByIndex: { [indexUid]: facets.map((f) => FACET_ATTRIBUTE[f]) }, mergeFacets: {} }
            : {}),
        },
        queries,
      });
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** One search request; an unreachable or silent server is a 503 problem, not a hang. */
  async #search(type: DocumentType, q: string, params: SearchParams): Promise<SearchResponse<MeiliHit>> {
    try {
      return await this.#searchClient.index(this.#uid(type)).search<MeiliHit>(q, params);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async setSynonyms(groups: SynonymGroup[]): Promise<void> {
    this.#thesaurus = new Thesaurus(groups);
    await this.#succeeded([
      this.#settingsIndex.addDocuments([{ key: 'synonyms', groups }], { primaryKey: 'key' }),
    ]);
    await this.#applySettings();
  }

  async getSynonyms(): Promise<SynonymGroup[]> {
    return this.#thesaurus.groups();
  }

  async thesaurus(): Promise<Thesaurus> {
    return this.#thesaurus;
  }

  corpusStats(type: DocumentType, lexemes: string[]): Promise<CorpusStats> {
    return this.#frequencies.stats(type, lexemes).catch((err: unknown) => {
      throw unavailable(err);
    });
  }

  /**
   * Retrieves generously (any of the selecting words), for the lexical ranker to re-rank. A
   * Meilisearch query with several words drops words from its end or by frequency, never ORs
   * them (轻量化 电池 finds nothing where 电池 alone would), so each word is its own query, all in
   * one multi-search, and the documents found by most of them come first (ties in the order first
   * found). The per-word queries return ids only; the fields and texts of the chosen documents
   * (at most `limit`) are fetched once, by their keys (a document fetch: no ranking), so that Meilisearch
   * serialises and node parses each chosen document once, not once per word that finds it, and
   * none of the documents not chosen. Known documents (`filters.ids`, all within `limit`: the
   * feedback pass's best five, the first pass's candidates extended, both just found by the same
   * words) are fetched by their keys without the per-word queries, in the order given: a
   * multi-search of one query per word, each filtered on up to 200 keys, cost Meilisearch more
   * than all the rest of a match.
   */
  async candidates(query: CandidateQuery): Promise<Candidate[]> {
    if (query.select.length === 0) return [];
    const indexUid = `${this.#prefix}_${query.type}`;
    const words = query.select.slice(0, MEILI_QUERY_WORDS);
    const limit = Math.min(query.limit, SETTINGS.pagination?.maxTotalHits ?? 1000);
    const filter = filterExpression(query.filters);
    const ids = query.filters?.ids;
    const chosen =
      ids && new Set(ids).size <= limit
        ? [...new Set(ids)]
        : await this.#foundByMostWords(indexUid, words, limit, filter);
    if (chosen.length === 0) return [];
    // the chosen documents' fields, under the same filters (a document changed in between and no
    // longer selected is left out, as it would be by a later search)
    const fetched = await this.#searchClient
      .index(indexUid)
      .getDocuments<MeiliHit>({
        ids: chosen.map(keyOf),
        filter,
        fields: [...RETRIEVED, ...SEARCHED_TEXT],
        limit: chosen.length,
      })
      .catch((err: unknown) => {
        throw unavailable(err);
      });
    const byId = new Map(fetched.results.map((hit) => [String(hit.id), hit as Record<string, unknown>]));
    const ranked = chosen.flatMap((id) => {
      const hit = byId.get(id);
      return hit ? [hit] : [];
    });
    const wanted = query.lexemes === 'all' ? 'all' : new Set(query.lexemes);
    return ranked.map((hit) => ({
      hit: {
        id: String(hit.id),
        type: query.type,
        score: 0,
        title: String(hit.title),
        fieldCode: (hit.fieldCode as string) ?? null,
        regionCode: (hit.regionCode as string) ?? null,
        trl: (hit.trl as number) ?? null,
        minTrl: (hit.minTrl as number) ?? null,
        transferModes: (hit.transferModes as string[]) ?? [],
        priceFen: (hit.priceFen as number) ?? null,
        budgetMinFen: query.type === 'achievement' ? null : ((hit.priceMinFen as number) ?? null),
        budgetMaxFen: query.type === 'achievement' ? null : ((hit.priceMaxFen as number) ?? null),
        organisationId: (hit.organisationId as string) ?? null,
        status: String(hit.status),
        updatedAt: new Date(hit.updatedAt as number).toISOString(),
        matchedTerms: [],
        highlightedTitle: String(hit.title),
      },
      ...termVectorOf(hit as unknown as Parameters<typeof termVectorOf>[0], wanted),
      keywords: (hit.keywords as string[] | undefined) ?? [],
    }));
  }

  /**
   * One query per word, ids only, all in one multi-search: the ids of the documents found by most
   * of the words (at most `limit`; a stable sort, so among documents found by as many words the
   * first found come first).
   */
  async #foundByMostWords(indexUid: string, words: string[], limit: number, filter: string[]) {
    // the search client: a match waits at most `searchTimeoutMs` for its candidates, like a search
    const { results } = await this.#searchClient
      .multiSearch({
        queries: words.map((q) => ({ indexUid, q, limit, filter, attributesToRetrieve: ['id'] })),
      })
      .catch((err: unknown) => {
        throw unavailable(err);
      });
    const found = new Map<string, number>();
    for (const result of results) {
      for (const hit of result.hits) found.set(hit.id, (found.get(hit.id) ?? 0) + 1);
    }
    return [...found]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  async ping(): Promise<void> {
    try {
      await this.#searchClient.health();
    } catch (err) {
      throw unavailable(err);
    }
  }

  async reset(): Promise<void> {
    await this.#succeeded([
      ...DOCUMENT_TYPES.map((type) => this.#index(type).deleteAllDocuments()),
      this.#settingsIndex.deleteAllDocuments(),
    ]);
    this.#thesaurus = loadDefaultThesaurus();
    await this.#applySettings();
  }

  /** Deletes every index of this prefix (tests and benchmarks clean up after themselves). */
  async dropIndexes(): Promise<void> {
    const tasks = [...DOCUMENT_TYPES, 'settings' as const].map((uid) =>
      this.#client.deleteIndex(this.#uid(uid)),
    );
    for (const task of await this.#waitAll(tasks)) {
      if (task.status === 'failed' && task.error?.code !== 'index_not_found') {
        throw new Error(`Meilisearch deleteIndex failed: ${task.error?.message}`);
      }
    }
  }

  /** The index names of this prefix that exist on the server. */
  async indexNames(): Promise<string[]> {
    const { results } = await this.#client.getIndexes({ limit: 1000 });
    return results.map((i) => i.uid).filter((uid) => uid.startsWith(`${this.#prefix}_`));
  }

  async #applySettings(): Promise<void> {
    const synonyms = this.#thesaurus.toMeilisearch();
    await this.#succeeded(
      DOCUMENT_TYPES.map((type) => this.#index(type).updateSettings({ ...SETTINGS, synonyms })),
    );
  }

  /**
   * Waits for every task together (one poll of the task list per round, not one per task), so a
   * call's tasks on several indexes are processed in one Meilisearch batch where it can.
   */
  async #waitAll(enqueued: EnqueuedTaskPromise[]): Promise<Task[]> {
    const uids = (await Promise.all(enqueued)).map((t) => t.taskUid);
    if (uids.length === 0) return [];
    const started = Date.now();
    let pause = 10;
    for (;;) {
      const { results } = await this.#client.tasks.getTasks({ uids, limit: uids.length });
      if (results.length === uids.length && results.every((t) => FINISHED.has(t.status))) return results;
      if (Date.now() - started > this.#taskTimeoutMs) {
        throw new Error(
          `Meilisearch tasks ${uids.join(', ')} not processed within ${this.#taskTimeoutMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 250);
    }
  }

  async #succeeded(enqueued: EnqueuedTaskPromise[]): Promise<void> {
    for (const task of await this.#waitAll(enqueued)) {
      if (task.status !== 'succeeded') {
        throw new Error(`Meilisearch task ${task.uid} ${task.status}: ${task.error?.message ?? ''}`);
      }
    }
  }
}

type Task = Awaited<ReturnType<Meilisearch['tasks']['getTask']>>;
const FINISHED = new Set(['succeeded', 'failed', 'canceled']);
/** documents per deletion task */
const SEARCH_BATCH = 1000;

// biome-ignore lint/suspicious/noExplicitAny: the stored documents of toMeiliDocument
type MeiliHit = Record<string, any>;

/** Seconds a client is asked to wait (Retry-After) when Meilisearch cannot answer a search. */
export const SEARCH_RETRY_AFTER_SECONDS = 5;

/**
 * A search, match or frequency request that Meilisearch did not answer as asked, as the 503
 * problem with Retry-After: no answer (refused, reset, timed out), a 5xx (its search queue full),
 * or a 4xx for a request the caller did not write (an index deleted or not yet created, settings
 * missing after a wiped volume). The caller's input is validated before any of these requests
 * is built, so none of them is the caller's fault; the cause is kept for the error log.
 */
export function unavailable(err: unknown): unknown {
  if (err instanceof ServiceUnavailableError) return err;
  return Object.assign(new ServiceUnavailableError('search-unavailable', {}, SEARCH_RETRY_AFTER_SECONDS), {
    cause: err,
  });
}

function toMeiliDocument(doc: SearchDocument): Record<string, unknown> {
  const range = priceRange(doc);
  return {
    key: keyOf(doc.id),
    id: doc.id,
    type: doc.type,
    title: doc.title,
    summary: doc.summary ?? '',
    body: doc.body ?? '',
    keywords: doc.keywords ?? [],
    fieldCode: doc.fieldCode ?? null,
    regionCode: doc.regionCode ?? null,
    regionPath: regionPath(doc.regionCode),
    cityCode: cityOf(doc.regionCode),
    trl: doc.trl ?? null,
    minTrl: doc.minTrl ?? null,
    transferModes: doc.transferModes ?? [],
    priceFen: doc.priceFen ?? null,
    priceMinFen: range.min,
    priceMaxFen: range.max,
    negotiable: range.min === null,
    organisationId: doc.organisationId ?? null,
    tags: doc.tags ?? [],
    status: doc.status,
    updatedAt: new Date(doc.updatedAt).getTime(),
    ...statisticsFields({ ...doc, summary: doc.summary ?? '', body: doc.body ?? '' }),
  };
}

function filterExpression(f: SearchFilters = {}): string[] {
  const out = [anyOf('status', f.statuses ?? [...SEARCHABLE_STATUSES])];
  if (f.fieldCodes?.length) out.push(anyOf('fieldCode', f.fieldCodes));
  if (f.regionCodes?.length) out.push(anyOf('regionPath', f.regionCodes));
  if (f.trlMin !== undefined) out.push(`trl >= ${quote(f.trlMin)}`);
  if (f.trlMax !== undefined) out.push(`trl <= ${quote(f.trlMax)}`);
  if (f.transferModes?.length) out.push(anyOf('transferModes', f.transferModes));
  if (f.priceMinFen !== undefined || f.priceMaxFen !== undefined) {
    const range: string[] = [];
    if (f.priceMinFen !== undefined) range.push(`priceMaxFen >= ${quote(f.priceMinFen)}`);
    if (f.priceMaxFen !== undefined) range.push(`priceMinFen <= ${quote(f.priceMaxFen)}`);
    out.push(
      f.includeNegotiable === false ? range.join(' AND ') : `(${range.join(' AND ')}) OR negotiable = true`,
    );
  }
  if (f.organisationId) out.push(`organisationId = ${quote(f.organisationId)}`);
  for (const group of f.tags ?? []) out.push(anyOf('tags', group));
  if (f.excludeIds?.length) out.push(`NOT ${anyOf('key', f.excludeIds.map(keyOf))}`);
  // by `key` (filterable already, ids carried through base64url); `key IN []` matches nothing
  if (f.ids) out.push(anyOf('key', f.ids.map(keyOf)));
  return out.map((clause) => `(${clause})`);
}

/** The words Meilisearch highlighted in any attribute, normalised like query terms. */
function highlightedFragments(formatted: Record<string, unknown> | undefined): string[] {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(/\uE000([^\uE001]*)\uE001/g)) found.add(normalizeText(m[1] ?? ''));
    } else if (Array.isArray(value)) value.forEach(visit);
  };
  for (const value of Object.values(formatted ?? {})) visit(value);
  return [...found].filter((f) => f !== '');
}
