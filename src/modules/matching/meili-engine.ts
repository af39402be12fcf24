/**
 * Meilisearch adapter of the `SearchEngine` port (MEILI_URL set): one index per document type,
 * settings applied at setup, every write waited for, so a caller sees its own writes like with the
 * embedded engine.
 *
 * Known differences, documented in the contract tests: Meilisearch matches words and prefixes
 * only (处理 does not find 待处理), applies synonyms on its side (toMeilisearch), and has no
 * "newer version wins" guard, so index jobs for one listing must not run concurrently.
 */
import { type EnqueuedTaskPromise, Meilisearch, type Settings } from 'meilisearch';
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
  type SearchDocument,
  type SearchEngine,
  type SearchFilters,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
} from './engine.js';
import type { CorpusStats } from './lexical.js';
import { MeiliFrequencies, termVectorOf } from './meili-candidates.js';
import { loadDefaultThesaurus, type SynonymGroup, Thesaurus } from './synonyms.js';
import { normalizeText, queryTokens } from './text.js';

export interface MeiliEngineOptions {
  url: string;
  apiKey?: string | undefined;
  /** prefix of the index names, e.g. 'techex' → techex_achievement; default 'techex' */
  indexPrefix?: string;
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
  readonly #prefix: string;
  #thesaurus: Thesaurus = loadDefaultThesaurus();
  readonly #frequencies: MeiliFrequencies;

  constructor(opts: MeiliEngineOptions) {
    const prefix = opts.indexPrefix ?? 'techex';
    if (!NAMESPACE_RE.test(prefix)) throw new Error(`invalid index prefix: ${prefix}`);
    this.#client = new Meilisearch({ host: opts.url, apiKey: opts.apiKey });
    this.#prefix = prefix;
    this.#frequencies = new MeiliFrequencies(this.#client, (type) => `${prefix}_${type}`);
  }

  #index(type: DocumentType) {
    return this.#client.index(`${this.#prefix}_${type}`);
  }

  get #settingsIndex() {
    return this.#client.index(`${this.#prefix}_settings`);
  }

  async ensureSetup(): Promise<void> {
    for (const uid of [...DOCUMENT_TYPES, 'settings']) {
      const task = await this.#client.createIndex(`${this.#prefix}_${uid}`, { primaryKey: 'key' }).waitTask();
      if (task.status === 'failed' && task.error?.code !== 'index_already_exists') {
        throw new Error(`Meilisearch createIndex failed: ${task.error?.message}`);
      }
    }
    const stored = await this.#settingsIndex.getDocument('synonyms').catch(() => undefined);
    if (stored) this.#thesaurus = new Thesaurus(stored.groups as SynonymGroup[]);
    await this.#applySettings();
  }

  async upsert(docs: SearchDocument[]): Promise<void> {
    if (docs.length === 0) return;
    assertDocuments(docs);
    for (const type of DOCUMENT_TYPES) {
      const batch = docs.filter((d) => d.type === type).map(toMeiliDocument);
      if (batch.length > 0) await wait(this.#index(type).addDocuments(batch));
    }
  }

  async remove(type: DocumentType, ids: string[]): Promise<void> {
    if (ids.length > 0) await wait(this.#index(type).deleteDocuments(ids.map(keyOf)));
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const { offset, limit } = pageOf(query);
    const tokens = query.terms ?? queryTokens(query.q ?? '');
    const q = tokens.join(' ');
    const mode = query.match ?? 'auto';
    const facets = (query.facets ?? []).filter((f) => FACETS.includes(f));
    const response = await this.#index(query.type).search(q, {
      offset,
      limit,
      filter: filterExpression(query.filters),
      facets: facets.map((f) => FACET_ATTRIBUTE[f]),
      matchingStrategy: mode === 'all' ? 'all' : mode === 'any' ? 'frequency' : 'last',
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
    });
    const surfaces = tokens.map((t) => ({ term: normalizeText(t), surfaces: this.#thesaurus.expand(t) }));
    const hits = response.hits.map((hit): SearchHit => {
      const fragments = highlightedFragments(hit._formatted);
      const matched = surfaces.filter((s) =>
        s.surfaces.some((w) => fragments.some((f) => f.includes(w) || w.startsWith(f))),
      );
      return {
        id: hit.id,
        type: query.type,
        score: hit._rankingScore ?? 0,
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
        matchedTerms: matched.map((s) => s.term),
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
      matched: q === '' ? 'none' : mode === 'all' ? 'all' : 'any',
      queryTerms: surfaces.map((s) => s.term),
      // Meilisearch weighs words by frequency itself but does not expose it
      termWeights: Object.fromEntries(surfaces.map((s) => [s.term, 1])),
    };
  }

  async setSynonyms(groups: SynonymGroup[]): Promise<void> {
    this.#thesaurus = new Thesaurus(groups);
    await wait(this.#settingsIndex.addDocuments([{ key: 'synonyms', groups }]));
    await this.#applySettings();
  }

  async getSynonyms(): Promise<SynonymGroup[]> {
    return this.#thesaurus.groups();
  }

  async thesaurus(): Promise<Thesaurus> {
    return this.#thesaurus;
  }

  corpusStats(type: DocumentType, lexemes: string[]): Promise<CorpusStats> {
    return this.#frequencies.stats(type, lexemes);
  }

  /**
   * Retrieves generously (any of the selecting words), for the lexical ranker to re-rank. A
   * Meilisearch query with several words drops words from its end or by frequency, never ORs
   * them (轻量化 电池 finds nothing where 电池 alone would), so each word is its own query, all in
   * one multi-search, and the documents found by most of them come first.
   */
  async candidates(query: CandidateQuery): Promise<Candidate[]> {
    if (query.select.length === 0) return [];
    const indexUid = `${this.#prefix}_${query.type}`;
    const words = query.select.slice(0, MEILI_QUERY_WORDS);
    const limit = Math.min(query.limit, SETTINGS.pagination?.maxTotalHits ?? 1000);
    const { results } = await this.#client.multiSearch({
      queries: words.map((q) => ({
        indexUid,
        q,
        limit,
        filter: filterExpression(query.filters),
        attributesToRetrieve: [...RETRIEVED, ...SEARCHED_TEXT],
      })),
    });
    const found = new Map<string, { hit: Record<string, unknown>; n: number }>();
    for (const result of results) {
      for (const hit of result.hits) {
        const entry = found.get(hit.id);
        if (entry) entry.n++;
        else found.set(hit.id, { hit, n: 1 });
      }
    }
    const ranked = [...found.values()].sort((a, b) => b.n - a.n).map((e) => e.hit);
    const wanted = query.lexemes === 'all' ? 'all' : new Set(query.lexemes);
    return ranked.slice(0, limit).map((hit) => ({
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
    }));
  }

  async ping(): Promise<void> {
    await this.#client.health();
  }

  async reset(): Promise<void> {
    for (const type of DOCUMENT_TYPES) await wait(this.#index(type).deleteAllDocuments());
    await wait(this.#settingsIndex.deleteAllDocuments());
    this.#thesaurus = loadDefaultThesaurus();
    await this.#applySettings();
  }

  async #applySettings(): Promise<void> {
    const synonyms = this.#thesaurus.toMeilisearch();
    for (const type of DOCUMENT_TYPES)
      await wait(this.#index(type).updateSettings({ ...SETTINGS, synonyms }));
  }
}

async function wait(task: EnqueuedTaskPromise): Promise<void> {
  const done = await task.waitTask({ timeout: 30_000 });
  if (done.status === 'failed') throw new Error(`Meilisearch task failed: ${done.error?.message}`);
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
    status: doc.status,
    updatedAt: new Date(doc.updatedAt).getTime(),
  };
}

function filterExpression(f: SearchFilters = {}): string[] {
  const out = [anyOf('status', f.statuses ?? ['published'])];
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
