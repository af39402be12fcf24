/**
 * The `SearchEngine` port of the matching module: one document model and one query model, served
 * by the embedded PostgreSQL engine (embedded-engine.ts) or Meilisearch (meili-engine.ts). Nothing
 * above this port knows which adapter runs (ARCHITECTURE.md, "one code path").
 *
 * The catalog owns the listings and feeds them here as `SearchDocument`s; the engine only stores
 * what it needs to find, filter and explain, never the confidential parts of a listing.
 */
import { type FieldError, ValidationError } from '../../platform/errors.js';
import { UUID_RE } from '../../platform/ids.js';
import type { CorpusStats, TermVector } from './lexical.js';
import type { SynonymGroup, Thesaurus } from './synonyms.js';

export const DOCUMENT_TYPES = ['achievement', 'need', 'expert', 'institution', 'offering'] as const;
/** 科技成果 | 技术需求 | 专家 | 服务机构 | 服务产品 (a published service offering) */
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** 转化方式 (DOMAIN.md); the catalog may add more, so the engine accepts any short code. */
export type TransferMode = string;

export interface SearchDocument {
  id: string;
  type: DocumentType;
  title: string;
  summary?: string;
  /**
   * Public text only (description, indicators, expertise…). The caller builds it from public
   * fields: confidential details behind an NDA must never be put here, as everything in it can be
   * found by anyone.
   */
  body?: string;
  keywords?: string[];
  /** 战略性新兴产业 field code ('01'…'09') */
  fieldCode?: string | null;
  /** GB/T 2260 code, district (320106), city (320100) or province (320000) */
  regionCode?: string | null;
  /** technology readiness 1–9 (achievements) */
  trl?: number | null;
  /** readiness a need asks for, 1–9 */
  minTrl?: number | null;
  transferModes?: TransferMode[];
  /** asking price of an achievement in fen; null = 面议 (negotiable) */
  priceFen?: number | null;
  /** budget of a need in fen */
  budgetMinFen?: number | null;
  budgetMaxFen?: number | null;
  organisationId?: string | null;
  /**
   * Filter labels of types whose structure has no column of its own (short codes, e.g. an
   * offering's `kind:ip_search`, `field:01`, `region:320000`); filtered with `SearchFilters.tags`.
   */
  tags?: string[];
  /** listing status; searches see SEARCHABLE_STATUSES unless they ask otherwise */
  status: string;
  updatedAt: Date | string;
}

/**
 * Statuses a search or match sees by default: published listings, and those in negotiation
 * (在洽谈), which still take interests (a deal may fail); transacted and withdrawn ones do not.
 */
export const SEARCHABLE_STATUSES: readonly string[] = ['published', 'in_negotiation'];

export const FACETS = ['field', 'region', 'mode'] as const;
export type FacetName = (typeof FACETS)[number];

export interface SearchFilters {
  fieldCodes?: string[];
  /** a district, city or province code: a city code matches every district in it */
  regionCodes?: string[];
  trlMin?: number;
  trlMax?: number;
  /** documents offering any of these modes */
  transferModes?: TransferMode[];
  /** price (achievements) or budget (needs) range overlapping [priceMinFen, priceMaxFen] */
  priceMinFen?: number;
  priceMaxFen?: number;
  /** whether listings without a price (面议) pass a price filter; default true */
  includeNegotiable?: boolean;
  organisationId?: string;
  /** every group must hold: a document has at least one tag of each group (see `SearchDocument.tags`) */
  tags?: string[][];
  /** default SEARCHABLE_STATUSES */
  statuses?: string[];
  excludeIds?: string[];
  /** only these documents (at most SEARCH_LIMITS.maxIds; [] matches nothing), e.g. one listing against saved searches */
  ids?: string[];
}

/**
 * 'all': every query term (or one of its synonyms) must match; 'any': at least one;
 * 'auto' (default): 'all', falling back to 'any' when nothing matches.
 */
export type MatchMode = 'all' | 'any' | 'auto';

export interface SearchQuery {
  type: DocumentType;
  /** free text, segmented by the engine */
  q?: string;
  /** pre-extracted terms (matching); used instead of segmenting `q` */
  terms?: string[];
  match?: MatchMode;
  filters?: SearchFilters;
  facets?: FacetName[];
  offset?: number;
  limit?: number;
  /**
   * false: skip counting every match (cheaper for long OR queries); `total` is then only a lower
   * bound (offset + hits) and `nextOffset` is null. Default true.
   */
  countTotal?: boolean;
  /** false: skip `highlightedTitle` (left as the escaped title); default true */
  highlight?: boolean;
  /** 'relevance' (default; newest first among equals) or 'freshness' (newest first, text only filters) */
  sort?: 'relevance' | 'freshness';
}

export interface SearchHit {
  id: string;
  type: DocumentType;
  /** engine-native relevance, higher is better; only comparable within one result */
  score: number;
  title: string;
  fieldCode: string | null;
  regionCode: string | null;
  trl: number | null;
  minTrl: number | null;
  transferModes: TransferMode[];
  priceFen: number | null;
  budgetMinFen: number | null;
  budgetMaxFen: number | null;
  organisationId: string | null;
  status: string;
  updatedAt: string;
  /** query terms (as the user typed them, normalised) that this document matched */
  matchedTerms: string[];
  /** title with the matched words wrapped in <em> (HTML-escaped otherwise) */
  highlightedTitle: string;
}

export interface SearchResult {
  hits: SearchHit[];
  total: number;
  offset: number;
  limit: number;
  /** offset of the next page, or null on the last one */
  nextOffset: number | null;
  facets: Partial<Record<FacetName, Record<string, number>>>;
  /** how the text matched: 'none' when no text was given (filter-only listing) */
  matched: 'all' | 'any' | 'fuzzy' | 'none';
  queryTerms: string[];
  /**
   * How telling each query term is, 0–1 (1 = the rarest term of the query), from document
   * frequencies when the engine knows them; every term 1 otherwise.
   */
  termWeights: Record<string, number>;
}

/** Candidates for the lexical ranker (lexical.ts): documents with any `select` lexeme. */
export interface CandidateQuery {
  type: DocumentType;
  /** lexemes any one of which makes a candidate */
  select: string[];
  /** lexemes whose occurrences per section each candidate reports; 'all': every lexeme */
  lexemes: string[] | 'all';
  filters?: SearchFilters;
  /** at most this many candidates, those with the most of the `select` lexemes first */
  limit: number;
  /**
   * the caller wants the term vectors of known documents (`filters.ids`, all within `limit`) and
   * not their order: an engine may skip ranking them
   */
  unordered?: boolean;
}

/** A candidate: its hit (score 0, no matched terms) and its occurrences of the query's lexemes. */
export interface Candidate extends TermVector {
  hit: SearchHit;
  /** the owner's own keywords (the document's keywords section), for the reasons (reasons.ts) */
  keywords?: string[];
}

export interface SearchEngine {
  readonly kind: 'embedded' | 'meilisearch';
  /** true when a query word matches inside longer words (处理 → 待处理); Meilisearch does prefixes only */
  readonly infixMatching: boolean;
  /** Creates indexes and settings, loads the synonyms; idempotent. */
  ensureSetup(): Promise<void>;
  /** Inserts or replaces documents (by type and id). */
  upsert(docs: SearchDocument[]): Promise<void>;
  remove(type: DocumentType, ids: string[]): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
  /** Replaces the thesaurus (already validated with `validateGroups`). */
  setSynonyms(groups: SynonymGroup[]): Promise<void>;
  getSynonyms(): Promise<SynonymGroup[]>;
  /** The thesaurus in force (refreshed like the one `search` uses). */
  thesaurus(): Promise<Thesaurus>;
  /** Document count, document frequencies of `lexemes` and average section lengths, for one type. */
  corpusStats(type: DocumentType, lexemes: string[]): Promise<CorpusStats>;
  /** Documents to score with the lexical ranker, with their term vectors. */
  candidates(query: CandidateQuery): Promise<Candidate[]>;
  /** Throws when the engine cannot serve requests (readiness). */
  ping(): Promise<void>;
  /** Drops every document of this engine's namespace (tests). */
  reset(): Promise<void>;
}

export const SEARCH_LIMITS = {
  maxLimit: 100,
  defaultLimit: 20,
  /** deep offsets cost a full ranking each; beyond this, refine the query */
  maxOffset: 1000,
  maxQueryLength: 200,
  maxTerms: 64,
  maxFilterValues: 50,
  maxIds: 1000,
  maxBatch: 1000,
  maxIdLength: 128,
  maxTitleLength: 500,
  maxSummaryLength: 2000,
  maxBodyLength: 50_000,
  maxKeywords: 50,
  maxKeywordLength: 40,
  maxTags: 100,
  maxTagGroups: 5,
} as const;

export const NAMESPACE_RE = /^[a-z][a-z0-9_]{0,30}$/;
const CODE_RE = /^[A-Za-z0-9_]{1,32}$/;
/** a filter label: a prefix, a colon and a code (`kind:ip_search`) */
export const TAG_RE = /^[a-z]{1,16}:[A-Za-z0-9_]{1,32}$/;
const REGION_RE = /^\d{6}$/;

function trlProblem(value: number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return Number.isInteger(value) && value >= 1 && value <= 9 ? undefined : 'must be an integer 1-9';
}

function fenProblem(value: number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return Number.isSafeInteger(value) && value >= 0 ? undefined : 'must be a non-negative integer (fen)';
}

/** Field problems of one document (the catalog validated its input; this guards the index). */
export function documentProblems(doc: SearchDocument, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const check = (field: string, problem: string | undefined) => {
    if (problem) errors.push({ field: `${at}.${field}`, message: problem });
  };
  const within = (s: string | undefined, max: number) =>
    s === undefined || s.length <= max ? undefined : `must be at most ${max} characters`;
  check('id', doc.id && doc.id.length <= SEARCH_LIMITS.maxIdLength ? undefined : 'must be 1-128 characters');
  check(
    'type',
    DOCUMENT_TYPES.includes(doc.type) ? undefined : `must be one of ${DOCUMENT_TYPES.join(', ')}`,
  );
  check('title', doc.title ? within(doc.title, SEARCH_LIMITS.maxTitleLength) : 'must not be empty');
  check('summary', within(doc.summary, SEARCH_LIMITS.maxSummaryLength));
  check('body', within(doc.body, SEARCH_LIMITS.maxBodyLength));
  const keywords = doc.keywords ?? [];
  if (keywords.length > SEARCH_LIMITS.maxKeywords) check('keywords', 'too many keywords');
  if (keywords.some((k) => k.length > SEARCH_LIMITS.maxKeywordLength)) check('keywords', 'keyword too long');
  check('fieldCode', doc.fieldCode && !CODE_RE.test(doc.fieldCode) ? 'must be a short code' : undefined);
  check('regionCode', doc.regionCode && !REGION_RE.test(doc.regionCode) ? 'must be 6 digits' : undefined);
  check('trl', trlProblem(doc.trl));
  check('minTrl', trlProblem(doc.minTrl));
  if ((doc.transferModes ?? []).some((m) => !CODE_RE.test(m))) check('transferModes', 'invalid mode');
  check('priceFen', fenProblem(doc.priceFen));
  check('budgetMinFen', fenProblem(doc.budgetMinFen));
  check('budgetMaxFen', fenProblem(doc.budgetMaxFen));
  const orgId = doc.organisationId;
  check('organisationId', orgId && !UUID_RE.test(orgId) ? 'must be a UUID' : undefined);
  const tags = doc.tags ?? [];
  if (tags.length > SEARCH_LIMITS.maxTags) check('tags', `at most ${SEARCH_LIMITS.maxTags} tags`);
  if (tags.some((t) => !TAG_RE.test(t))) check('tags', 'invalid tag');
  check('status', doc.status && CODE_RE.test(doc.status) ? undefined : 'must be a short code');
  check('updatedAt', Number.isNaN(new Date(doc.updatedAt).getTime()) ? 'must be a date' : undefined);
  return errors;
}

export function assertDocuments(docs: SearchDocument[]): void {
  if (docs.length > SEARCH_LIMITS.maxBatch) {
    throw new ValidationError([{ field: 'docs', message: `at most ${SEARCH_LIMITS.maxBatch} per batch` }]);
  }
  const errors = docs.flatMap((doc, i) => documentProblems(doc, `docs[${i}]`));
  if (errors.length > 0) throw new ValidationError(errors.slice(0, 100));
}

/** Bounded offset and limit of a query, or a validation error. */
export function pageOf(query: SearchQuery): { offset: number; limit: number } {
  const limit = query.limit ?? SEARCH_LIMITS.defaultLimit;
  const offset = query.offset ?? 0;
  const errors: FieldError[] = [];
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMITS.maxLimit) {
    errors.push({ field: 'limit', message: `must be an integer 1-${SEARCH_LIMITS.maxLimit}` });
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > SEARCH_LIMITS.maxOffset) {
    errors.push({ field: 'offset', message: `must be an integer 0-${SEARCH_LIMITS.maxOffset}` });
  }
  if ((query.q ?? '').length > SEARCH_LIMITS.maxQueryLength) {
    errors.push({ field: 'q', message: `must be at most ${SEARCH_LIMITS.maxQueryLength} characters` });
  }
  if ((query.terms ?? []).length > SEARCH_LIMITS.maxTerms) {
    errors.push({ field: 'terms', message: `at most ${SEARCH_LIMITS.maxTerms} terms` });
  }
  const f = query.filters ?? {};
  for (const key of ['fieldCodes', 'regionCodes', 'transferModes', 'statuses', 'excludeIds'] as const) {
    if ((f[key]?.length ?? 0) > SEARCH_LIMITS.maxFilterValues) {
      errors.push({ field: `filters.${key}`, message: `at most ${SEARCH_LIMITS.maxFilterValues} values` });
    }
  }
  // a group may be long: each region asked of offerings brings its city, province and `region:any`
  const groups = f.tags ?? [];
  if (groups.length > SEARCH_LIMITS.maxTagGroups || groups.some((g) => g.length > SEARCH_LIMITS.maxTags)) {
    errors.push({
      field: 'filters.tags',
      message: `at most ${SEARCH_LIMITS.maxTagGroups} groups of ${SEARCH_LIMITS.maxTags}`,
    });
  }
  if ((f.ids?.length ?? 0) > SEARCH_LIMITS.maxIds) {
    errors.push({ field: 'filters.ids', message: `at most ${SEARCH_LIMITS.maxIds} values` });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return { offset, limit };
}

/** District, city and province codes of a GB/T 2260 code (320106 → 320106, 320100, 320000). */
export function regionPath(code: string | null | undefined): string[] {
  if (!code || !REGION_RE.test(code)) return [];
  return [...new Set([code, `${code.slice(0, 4)}00`, `${code.slice(0, 2)}0000`])];
}

/** The city (地级市) of a region code, for facets and 同城. */
export function cityOf(code: string | null | undefined): string | null {
  return code && REGION_RE.test(code) ? `${code.slice(0, 4)}00` : null;
}

/** Price range of a document: an achievement's price is a point, a need's budget a range. */
export function priceRange(doc: SearchDocument): { min: number | null; max: number | null } {
  if (doc.priceFen !== undefined && doc.priceFen !== null) return { min: doc.priceFen, max: doc.priceFen };
  return { min: doc.budgetMinFen ?? null, max: doc.budgetMaxFen ?? doc.budgetMinFen ?? null };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Wraps each occurrence of `words` in <em>, longest first, case-insensitively; escapes the rest. */
export function highlight(title: string, words: readonly string[]): string {
  const wanted = [...new Set(words.filter((w) => w.length > 0))].sort((a, b) => b.length - a.length);
  const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]!);
  if (wanted.length === 0) return escapeHtml(title);
  const pattern = new RegExp(wanted.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'giu');
  let out = '';
  let last = 0;
  const normalised = title.normalize('NFKC');
  for (const m of normalised.matchAll(pattern)) {
    out += escapeHtml(normalised.slice(last, m.index)) + `<em>${escapeHtml(m[0])}</em>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(normalised.slice(last));
}
