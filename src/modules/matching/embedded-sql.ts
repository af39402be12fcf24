/**
 * SQL pieces of the embedded engine: filters, the ranked page, facets and document rows. Values
 * always travel as bind parameters; only fixed SQL text is concatenated.
 */
import {
  type DocumentType,
  type FacetName,
  priceRange,
  regionPath,
  type SearchDocument,
  type SearchFilters,
  type SearchHit,
} from './engine.js';
import { documentTsvector } from './tsvector.js';

export class Params {
  readonly values: unknown[] = [];
  /** Adds a value and returns its placeholder, with an explicit cast so PostgreSQL never guesses. */
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** WHERE conditions for namespace, type, status and the structured filters (alias `d`). */
export function filterConditions(
  p: Params,
  namespace: string,
  type: DocumentType,
  f: SearchFilters = {},
): string[] {
  const where = [`d.namespace = ${p.add(namespace, 'text')}`, `d.type = ${p.add(type, 'text')}`];
  where.push(`d.status = ANY(${p.add(f.statuses ?? ['published'], 'text[]')})`);
  if (f.fieldCodes?.length) where.push(`d.field_code = ANY(${p.add(f.fieldCodes, 'text[]')})`);
  if (f.regionCodes?.length) where.push(`d.region_path && ${p.add(f.regionCodes, 'text[]')}`);
  if (f.trlMin !== undefined) where.push(`d.trl >= ${p.add(f.trlMin, 'int')}`);
  if (f.trlMax !== undefined) where.push(`d.trl <= ${p.add(f.trlMax, 'int')}`);
  if (f.transferModes?.length) where.push(`d.transfer_modes && ${p.add(f.transferModes, 'text[]')}`);
  if (f.priceMinFen !== undefined || f.priceMaxFen !== undefined) {
    const range: string[] = [];
    if (f.priceMinFen !== undefined) range.push(`d.price_max_fen >= ${p.add(f.priceMinFen, 'bigint')}`);
    if (f.priceMaxFen !== undefined) range.push(`d.price_min_fen <= ${p.add(f.priceMaxFen, 'bigint')}`);
    const negotiable = f.includeNegotiable === false ? '' : ' OR d.price_min_fen IS NULL';
    where.push(`((${range.join(' AND ')})${negotiable})`);
  }
  if (f.organisationId) where.push(`d.organisation_id = ${p.add(f.organisationId, 'uuid')}`);
  if (f.excludeIds?.length) where.push(`NOT (d.id = ANY(${p.add(f.excludeIds, 'text[]')}))`);
  return where;
}

export interface TextPlan {
  /** tsquery that selects candidates (null: no text condition) */
  condition: string | null;
  /** tsquery used for ts_rank_cd (may hold more terms than the condition) */
  rank: string | null;
  /** trigram fuzzy title match on the raw query, for the fuzzy fallback */
  trigram: string | null;
  terms: { term: string; tsquery: string }[];
}

/** ts_rank_cd normalisation 1: divide by 1 + log(document length), so long bodies do not win by bulk. */
const RANK_NORMALISATION = 1;

/** The ranked page, with the matched query terms computed for the page's rows only. */
export function pageQuery(
  p: Params,
  where: string[],
  plan: TextPlan,
  offset: number,
  limit: number,
): string {
  const conditions = [...where];
  let score = '0::real';
  if (plan.condition && plan.trigram) {
    const cond = p.add(plan.condition, 'tsquery');
    const q = p.add(plan.trigram, 'text');
    conditions.push(`(d.tsv @@ ${cond} OR ${q} <% d.title)`);
    score = `(ts_rank_cd(d.tsv, ${cond}, ${RANK_NORMALISATION}) + word_similarity(${q}, d.title))`;
  } else if (plan.condition) {
    conditions.push(`d.tsv @@ ${p.add(plan.condition, 'tsquery')}`);
    score = `ts_rank_cd(d.tsv, ${p.add(plan.rank ?? plan.condition, 'tsquery')}, ${RANK_NORMALISATION})`;
  }
  const terms = p.add(
    plan.terms.map((t) => t.term),
    'text[]',
  );
  const queries = p.add(
    plan.terms.map((t) => t.tsquery),
    'text[]',
  );
  return `
    WITH page AS (
      SELECT d.id, d.type, d.title, d.field_code, d.region_code, d.trl, d.min_trl, d.transfer_modes,
             d.price_fen, d.price_min_fen, d.price_max_fen, d.organisation_id, d.status, d.updated_at, d.tsv,
             ${score} AS score, count(*) OVER () AS total
        FROM matching_documents d
       WHERE ${conditions.join(' AND ')}
       ORDER BY score DESC, d.updated_at DESC, d.id
       LIMIT ${p.add(limit, 'int')} OFFSET ${p.add(offset, 'int')}
    )
    SELECT page.id, page.type, page.title, page.field_code, page.region_code, page.trl, page.min_trl,
           page.transfer_modes, page.price_fen, page.price_min_fen, page.price_max_fen,
           page.organisation_id, page.status, page.updated_at, page.score, page.total,
           ARRAY(SELECT g.term FROM unnest(${terms}, ${queries}) AS g(term, q)
                  WHERE page.tsv @@ g.q::tsquery) AS matched
      FROM page
     ORDER BY page.score DESC, page.updated_at DESC, page.id`;
}

/** Counts by field, city and transfer mode over every match (not only the page). */
export function facetQuery(where: string[], textCondition: string | null, facets: FacetName[]): string {
  const parts: string[] = [];
  if (facets.includes('field')) {
    parts.push(`SELECT 'field' AS facet, field_code AS value, count(*) AS n FROM m
                 WHERE field_code IS NOT NULL GROUP BY field_code`);
  }
  if (facets.includes('region')) {
    parts.push(`SELECT 'region', city_code, count(*) FROM m WHERE city_code IS NOT NULL GROUP BY city_code`);
  }
  if (facets.includes('mode')) {
    parts.push(`SELECT 'mode', mode, count(*) FROM m, unnest(m.transfer_modes) AS mode GROUP BY mode`);
  }
  const conditions = textCondition ? [...where, textCondition] : where;
  return `
    WITH m AS MATERIALIZED (
      SELECT d.field_code, d.city_code, d.transfer_modes FROM matching_documents d
       WHERE ${conditions.join(' AND ')}
    )
    ${parts.join(' UNION ALL ')}`;
}

export interface HitRow {
  id: string;
  type: DocumentType;
  title: string;
  field_code: string | null;
  region_code: string | null;
  trl: number | null;
  min_trl: number | null;
  transfer_modes: string[];
  price_fen: number | null;
  price_min_fen: number | null;
  price_max_fen: number | null;
  organisation_id: string | null;
  status: string;
  updated_at: Date;
  score: number;
  total: number;
  matched: string[];
}

export function toHit(row: HitRow, highlightedTitle: string): SearchHit {
  const isPriced = row.type === 'achievement';
  return {
    id: row.id,
    type: row.type,
    score: row.score,
    title: row.title,
    fieldCode: row.field_code,
    regionCode: row.region_code,
    trl: row.trl,
    minTrl: row.min_trl,
    transferModes: row.transfer_modes,
    priceFen: row.price_fen,
    budgetMinFen: isPriced ? null : row.price_min_fen,
    budgetMaxFen: isPriced ? null : row.price_max_fen,
    organisationId: row.organisation_id,
    status: row.status,
    updatedAt: row.updated_at.toISOString(),
    matchedTerms: row.matched,
    highlightedTitle,
  };
}

/** The rows of an upsert, as one JSON parameter for jsonb_to_recordset (one round trip per batch). */
export function upsertRows(docs: SearchDocument[]): Record<string, unknown>[] {
  return docs.map((doc) => {
    const range = priceRange(doc);
    const path = regionPath(doc.regionCode);
    return {
      type: doc.type,
      id: doc.id,
      title: doc.title,
      summary: doc.summary ?? '',
      keywords: doc.keywords ?? [],
      field_code: doc.fieldCode ?? null,
      region_code: doc.regionCode ?? null,
      city_code: path[1] ?? path[0] ?? null,
      region_path: path,
      trl: doc.trl ?? null,
      min_trl: doc.minTrl ?? null,
      transfer_modes: doc.transferModes ?? [],
      price_min_fen: range.min,
      price_max_fen: range.max,
      price_fen: doc.priceFen ?? null,
      organisation_id: doc.organisationId ?? null,
      status: doc.status,
      updated_at: new Date(doc.updatedAt).toISOString(),
      tsv: documentTsvector(doc),
    };
  });
}

export const UPSERT_SQL = `
  INSERT INTO matching_documents AS d (namespace, type, id, title, summary, keywords, field_code, region_code,
    city_code, region_path, trl, min_trl, transfer_modes, price_min_fen, price_max_fen, price_fen,
    organisation_id, status, updated_at, indexed_at, tsv)
  SELECT $1::text, r.type, r.id, r.title, r.summary, r.keywords, r.field_code, r.region_code, r.city_code,
         r.region_path, r.trl, r.min_trl, r.transfer_modes, r.price_min_fen, r.price_max_fen, r.price_fen,
         r.organisation_id, r.status, r.updated_at, now(), r.tsv::tsvector
    FROM jsonb_to_recordset($2::jsonb) AS r(type text, id text, title text, summary text, keywords text[],
         field_code text, region_code text, city_code text, region_path text[], trl smallint,
         min_trl smallint, transfer_modes text[], price_min_fen bigint, price_max_fen bigint,
         price_fen bigint, organisation_id uuid, status text, updated_at timestamptz, tsv text)
  ON CONFLICT (namespace, type, id) DO UPDATE SET
    title = excluded.title, summary = excluded.summary, keywords = excluded.keywords,
    field_code = excluded.field_code, region_code = excluded.region_code, city_code = excluded.city_code,
    region_path = excluded.region_path, trl = excluded.trl, min_trl = excluded.min_trl,
    transfer_modes = excluded.transfer_modes, price_min_fen = excluded.price_min_fen,
    price_max_fen = excluded.price_max_fen, price_fen = excluded.price_fen,
    organisation_id = excluded.organisation_id, status = excluded.status,
    updated_at = excluded.updated_at, indexed_at = now(), tsv = excluded.tsv
  -- an index job delivered late must not overwrite a newer version of the listing
  WHERE d.updated_at <= excluded.updated_at`;
