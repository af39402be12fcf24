/**
 * GET /v1/search: one page of public documents of one type, with filters, facets and highlighted
 * titles. The engines page by offset; the offset travels in a signed cursor bound to the query
 * (its list name carries a hash of the parameters), so a cursor cannot be forged or replayed
 * against another query.
 */
import { createHash } from 'node:crypto';
import { BadRequestError, type FieldError, ValidationError } from '../../platform/errors.js';
import { type CursorCodec, clampLimit } from '../../platform/pagination.js';
import {
  type DocumentType,
  type FacetName,
  SEARCH_LIMITS,
  SEARCHABLE_STATUSES,
  type SearchEngine,
  type SearchFilters,
  type SearchHit,
} from './engine.js';
import { servedRegionTags } from './projection.js';

export interface SearchParams {
  q?: string;
  type?: DocumentType;
  field?: string[];
  region?: string[];
  trlMin?: number;
  trlMax?: number;
  mode?: string[];
  priceMin?: number;
  priceMax?: number;
  organisationId?: string;
  /** service kinds (`type=offering` only) */
  kind?: string[];
  facets?: FacetName[];
  sort?: 'relevance' | 'freshness';
  cursor?: string;
  limit?: number;
}

/** What a search result shows of a document: never more than the index holds (public fields). */
export function hitView(hit: SearchHit) {
  return {
    id: hit.id,
    type: hit.type,
    title: hit.title,
    score: Math.round(hit.score * 1e6) / 1e6,
    highlights: { title: hit.highlightedTitle },
    matchedTerms: hit.matchedTerms,
    fieldCode: hit.fieldCode,
    regionCode: hit.regionCode,
    trl: hit.trl,
    minTrl: hit.minTrl,
    transferModes: hit.transferModes,
    priceFen: hit.priceFen,
    budgetMinFen: hit.budgetMinFen,
    budgetMaxFen: hit.budgetMaxFen,
    organisationId: hit.organisationId,
    status: hit.status,
    updatedAt: hit.updatedAt,
  };
}

function rangeErrors(q: SearchParams): FieldError[] {
  const errors: FieldError[] = [];
  if (q.trlMin !== undefined && q.trlMax !== undefined && q.trlMin > q.trlMax)
    errors.push({ field: 'query/trlMin', message: 'must not exceed trlMax', code: 'range' });
  if (q.priceMin !== undefined && q.priceMax !== undefined && q.priceMin > q.priceMax)
    errors.push({ field: 'query/priceMin', message: 'must not exceed priceMax', code: 'range' });
  if (q.kind?.length && q.type !== 'offering')
    errors.push({ field: 'query/kind', message: 'only with type=offering', code: 'type' });
  return errors;
}

/**
 * An offering may list several fields and regions, so its filters go through its tags
 * (projection.ts): any of the kinds, any of the fields, and for each region asked, offerings
 * serving it (listing it, its city or province, or no region).
 */
function offeringTagFilters(q: SearchParams): string[][] {
  const groups: string[][] = [];
  if (q.kind?.length) groups.push(q.kind.map((k) => `kind:${k}`));
  if (q.field?.length) groups.push(q.field.map((f) => `field:${f}`));
  if (q.region?.length) groups.push([...new Set(q.region.flatMap(servedRegionTags))]);
  return groups;
}

/** The cursor's list name: the parameters that define the result, hashed (not the page size). */
function listName(q: SearchParams): string {
  const { cursor: _cursor, limit: _limit, ...defining } = q;
  const canonical = JSON.stringify(Object.entries(defining).sort(([a], [b]) => a.localeCompare(b)));
  return `matching.search:${createHash('sha256').update(canonical).digest('base64url').slice(0, 16)}`;
}

/** The offset carried by a cursor of `list`, or 0 without one. */
export function offsetOf(cursors: CursorCodec, list: string, cursor: string | undefined): number {
  const key = cursors.decode(list, cursor);
  if (!key) return 0;
  const offset = key[0];
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new BadRequestError('invalid-cursor');
  }
  return offset;
}

export async function searchDocuments(engine: SearchEngine, cursors: CursorCodec, q: SearchParams) {
  const errors = rangeErrors(q);
  if (errors.length > 0) throw new ValidationError(errors);
  const list = listName(q);
  const offset = offsetOf(cursors, list, q.cursor);
  const limit = clampLimit(q.limit);
  if (offset > SEARCH_LIMITS.maxOffset) throw new BadRequestError('invalid-cursor');
  const offerings = q.type === 'offering';
  const filters: SearchFilters = {
    ...(offerings ? { tags: offeringTagFilters(q) } : { fieldCodes: q.field, regionCodes: q.region }),
    trlMin: q.trlMin,
    trlMax: q.trlMax,
    transferModes: q.mode,
    priceMinFen: q.priceMin,
    priceMaxFen: q.priceMax,
    organisationId: q.organisationId,
    // public listings open to interest (published, in negotiation), whatever the caller may see elsewhere
    statuses: [...SEARCHABLE_STATUSES],
  };
  const result = await engine.search({
    type: q.type ?? 'achievement',
    q: q.q,
    filters,
    facets: q.facets,
    offset,
    limit,
    sort: q.sort,
  });
  const next = result.nextOffset;
  return {
    items: result.hits.map(hitView),
    nextCursor: next !== null && next <= SEARCH_LIMITS.maxOffset ? cursors.encode(list, [next]) : null,
    total: result.total,
    matched: result.matched,
    queryTerms: result.queryTerms,
    facets: result.facets,
  };
}
