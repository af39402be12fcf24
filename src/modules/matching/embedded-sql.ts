/**
 * SQL pieces of the embedded engine: filters, the ranked page, facets and document rows. Values
 * always travel as bind parameters; only fixed SQL text is concatenated.
 */
import {
  type DocumentType,
  type FacetName,
  priceRange,
  regionPath,
  SEARCHABLE_STATUSES,
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
  where.push(`d.status = ANY(${p.add(f.statuses ?? [...SEARCHABLE_STATUSES], 'text[]')})`);
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
  for (const group of f.tags ?? []) where.push(`d.tags && ${p.add(group, 'text[]')}`);
  if (f.excludeIds?.length) where.push(`NOT (d.id = ANY(${p.add(f.excludeIds, 'text[]')}))`);
  if (f.ids) where.push(`d.id = ANY(${p.add(f.ids, 'text[]')})`);
  return where;
}

export interface TextPlan {
  /** tsquery that selects candidates (null: no text condition) */
  condition: string | null;
  /** tsquery used for ts_rank_cd (may hold more terms than the condition) */
  rank: string | null;
  /** trigram fuzzy title match on the raw query, for the fuzzy fallback */
  trigram: string | null;
  /** ts_rank_cd (cover density) for short queries; plain ts_rank for long OR queries, ~4× cheaper */
  coverDensity: boolean;
  /** every lexeme of the query, to report which ones each hit contains */
  lexemes: string[];
}

/** ts_rank_cd normalisation 1: divide by 1 + log(document length), so long bodies do not win by bulk. */
const RANK_NORMALISATION = 1;

/** ts_rank weights of sections D (body), C (summary), B (keywords), A (title). */
const RANK_WEIGHTS = `'{0.2, 0.2, 0.4, 1.0}'::float4[]`;

/** The ranked page, with the matched query terms computed for the page's rows only. */
export function pageQuery(
  p: Params,
  where: string[],
  plan: TextPlan,
  page: { offset: number; limit: number; countTotal: boolean; sort?: 'relevance' | 'freshness' },
): string {
  const { offset, limit } = page;
  // Counting every match materialises them all (WindowAgg); without it a top-N sort suffices.
  const total = page.countTotal ? 'count(*) OVER ()' : 'NULL::bigint';
  const conditions = [...where];
  let score = '0::real';
  if (plan.condition && plan.trigram) {
    const cond = p.add(plan.condition, 'tsquery');
    const q = p.add(plan.trigram, 'text');
    conditions.push(`(d.tsv @@ ${cond} OR ${q} <% d.title)`);
    score = `(ts_rank_cd(${RANK_WEIGHTS}, d.tsv, ${cond}, ${RANK_NORMALISATION}) + word_similarity(${q}, d.title))`;
  } else if (plan.condition) {
    conditions.push(`d.tsv @@ ${p.add(plan.condition, 'tsquery')}`);
    const rank = plan.coverDensity ? 'ts_rank_cd' : 'ts_rank';
    score = `${rank}(${RANK_WEIGHTS}, d.tsv, ${p.add(plan.rank ?? plan.condition, 'tsquery')}, ${RANK_NORMALISATION})`;
  }
  const lexemes = p.add(plan.lexemes, 'text[]');
  const fresh = page.sort === 'freshness';
  const order = fresh ? 'd.updated_at DESC, d.id' : 'score DESC, d.updated_at DESC, d.id';
  const outerOrder = fresh
    ? 'page.updated_at DESC, page.id'
    : 'page.score DESC, page.updated_at DESC, page.id';
  return `
    WITH page AS (
      SELECT d.namespace, d.type, d.id, d.updated_at, ${score} AS score, ${total} AS total
        FROM matching_documents d
       WHERE ${conditions.join(' AND ')}
       ORDER BY ${order}
       LIMIT ${p.add(limit, 'int')} OFFSET ${p.add(offset, 'int')}
    )
    -- the page's rows are read again by key, so the sort above never carries their tsvectors
    SELECT d.id, d.type, d.title, d.field_code, d.region_code, d.trl, d.min_trl, d.transfer_modes,
           d.price_fen, d.price_min_fen, d.price_max_fen, d.organisation_id, d.status, d.updated_at,
           page.score, page.total,
           -- one decompression of the tsvector per row, where a @@ per term would repeat it
           ARRAY(SELECT l FROM unnest(tsvector_to_array(d.tsv)) AS l WHERE l = ANY(${lexemes})) AS lexemes
      FROM page JOIN matching_documents d USING (namespace, type, id)
     ORDER BY ${outerOrder}`;
}

/**
 * Candidates of the lexical ranker: the documents with any `select` lexeme, those with the most of
 * them first, each with its occurrences of `lexemes` as 'lexeme WEIGHTS' strings (one weight letter
 * per occurrence: A title, B keywords, C summary, D body) and its section lengths.
 */
export function candidatesQuery(
  p: Params,
  where: string[],
  select: string,
  lexemes: string[] | 'all',
  limit: number,
) {
  const cond = p.add(select, 'tsquery');
  const tf = termVectorColumn(p, lexemes);
  return `
    WITH page AS (
      SELECT d.namespace, d.type, d.id, ts_rank(${RANK_WEIGHTS}, d.tsv, ${cond}, 0) AS score
        FROM matching_documents d
       WHERE ${[...where, `d.tsv @@ ${cond}`].join(' AND ')}
       ORDER BY score DESC, d.id
       LIMIT ${p.add(limit, 'int')}
    )
    SELECT d.id, d.type, d.title, d.field_code, d.region_code, d.trl, d.min_trl, d.transfer_modes,
           d.price_fen, d.price_min_fen, d.price_max_fen, d.organisation_id, d.status, d.updated_at,
           0::real AS score, NULL::bigint AS total, '{}'::text[] AS lexemes, d.field_lengths, ${tf} AS tf,
           d.keywords
      FROM page JOIN matching_documents d USING (namespace, type, id)
           -- detoasted once per row: each ->> or ? on the stored (toasted) column would decompress it again
           CROSS JOIN LATERAL (SELECT d.term_sections || '{}'::jsonb AS sections OFFSET 0) AS t`;
}

/**
 * Term vectors of the documents `ids` that hold a `select` lexeme, in no particular order: no
 * ranking, and the selection is checked on term_sections (the tsvector's lexemes, as keys), which
 * the term vectors read anyway, so the tsvector is not read at all.
 */
export function candidatesByIdQuery(p: Params, where: string[], select: string[], lexemes: string[] | 'all') {
  return `
    SELECT d.id, d.type, d.title, d.field_code, d.region_code, d.trl, d.min_trl, d.transfer_modes,
           d.price_fen, d.price_min_fen, d.price_max_fen, d.organisation_id, d.status, d.updated_at,
           0::real AS score, NULL::bigint AS total, '{}'::text[] AS lexemes, d.field_lengths,
           ${termVectorColumn(p, lexemes)} AS tf, d.keywords
      FROM matching_documents d
           CROSS JOIN LATERAL (SELECT d.term_sections || '{}'::jsonb AS sections OFFSET 0) AS t
     WHERE ${[...where, `t.sections ?| ${p.add(select, 'text[]')}`].join(' AND ')}`;
}

/** The occurrences of `lexemes` (as 'lexeme WEIGHTS' strings) from term_sections detoasted as `t.sections`. */
function termVectorColumn(p: Params, lexemes: string[] | 'all'): string {
  // looked up by key in term_sections (half the cost of unnesting the tsvector, at 150 lexemes a document)
  return lexemes === 'all'
    ? `ARRAY(SELECT e.key || ' ' || e.value FROM jsonb_each_text(t.sections) AS e)`
    : `ARRAY(SELECT l || ' ' || (t.sections ->> l) FROM unnest(${p.add(lexemes, 'text[]')}) AS l WHERE t.sections ? l)`;
}

export interface CandidateRow extends HitRow {
  field_lengths: number[] | null;
  tf: string[];
  keywords: string[] | null;
}

const SECTION_OF: Record<string, number> = { A: 0, B: 1, C: 2, D: 3 };

/** 'lexeme ABCC' strings → occurrences per section. */
export function parseTermVector(entries: readonly string[]): Map<string, number[]> {
  const tf = new Map<string, number[]>();
  for (const entry of entries) {
    const space = entry.lastIndexOf(' ');
    const counts = [0, 0, 0, 0];
    for (const w of entry.slice(space + 1)) counts[SECTION_OF[w] ?? 3]!++;
    tf.set(entry.slice(0, space), counts);
  }
  return tf;
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
  total: number | null;
  lexemes: string[];
}

export function toHit(row: HitRow, matchedTerms: string[], highlightedTitle: string): SearchHit {
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
    matchedTerms,
    highlightedTitle,
  };
}

/**
 * term_sections of a tsvector: lexeme → the weight letters of its occurrences. Computed by
 * PostgreSQL from the tsvector itself, so it holds exactly what the tsvector kept (at most 256
 * positions per lexeme) and the two never disagree.
 */
const TERM_SECTIONS_OF = (tsv: string) =>
  `(SELECT coalesce(jsonb_object_agg(u.lexeme, array_to_string(u.weights, '')), '{}'::jsonb) FROM unnest(${tsv}) AS u)`;

function tsvectorColumns(doc: SearchDocument): { tsv: string; field_lengths: number[] } {
  const { tsv, lengths } = documentTsvector(doc);
  return { tsv, field_lengths: lengths };
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
      tags: doc.tags ?? [],
      status: doc.status,
      updated_at: new Date(doc.updatedAt).toISOString(),
      ...tsvectorColumns(doc),
    };
  });
}

/**
 * Upsert of a batch plus the matching document-frequency deltas, in one statement: every lexeme of
 * a new version counts +1, every lexeme of the version it replaces −1, and a new document +1 on the
 * '' row. Deltas are applied in lexeme order, so concurrent batches lock stats rows in one order.
 * An index job delivered late (older updated_at) changes nothing.
 */
export const UPSERT_SQL = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(type text, id text, title text, summary text,
      keywords text[], field_code text, region_code text, city_code text, region_path text[], trl smallint,
      min_trl smallint, transfer_modes text[], price_min_fen bigint, price_max_fen bigint, price_fen bigint,
      organisation_id uuid, tags text[], status text, updated_at timestamptz, tsv text, field_lengths int[])
  ), old AS MATERIALIZED (
    -- read (and locked) before the insert below, which joins it for that reason: a row this statement
    -- has already updated could no longer be locked, and its old lexemes would not be subtracted
    SELECT d.type, d.id, d.tsv, d.field_lengths FROM matching_documents d JOIN input r ON d.type = r.type AND d.id = r.id
     WHERE d.namespace = $1::text
       FOR UPDATE OF d
  ), written AS (
    INSERT INTO matching_documents AS d (namespace, type, id, title, summary, keywords, field_code,
      region_code, city_code, region_path, trl, min_trl, transfer_modes, price_min_fen, price_max_fen,
      price_fen, organisation_id, tags, status, updated_at, indexed_at, tsv, field_lengths, term_sections)
    SELECT $1::text, r.type, r.id, r.title, r.summary, r.keywords, r.field_code, r.region_code, r.city_code,
           r.region_path, r.trl, r.min_trl, r.transfer_modes, r.price_min_fen, r.price_max_fen, r.price_fen,
           r.organisation_id, r.tags, r.status, r.updated_at, now(), v.tsv, r.field_lengths, ${TERM_SECTIONS_OF('v.tsv')}
      FROM input r LEFT JOIN old o ON o.type = r.type AND o.id = r.id,
           LATERAL (SELECT r.tsv::tsvector AS tsv) AS v
    ON CONFLICT (namespace, type, id) DO UPDATE SET
      title = excluded.title, summary = excluded.summary, keywords = excluded.keywords,
      field_code = excluded.field_code, region_code = excluded.region_code, city_code = excluded.city_code,
      region_path = excluded.region_path, trl = excluded.trl, min_trl = excluded.min_trl,
      transfer_modes = excluded.transfer_modes, price_min_fen = excluded.price_min_fen,
      price_max_fen = excluded.price_max_fen, price_fen = excluded.price_fen,
      organisation_id = excluded.organisation_id, tags = excluded.tags, status = excluded.status,
      updated_at = excluded.updated_at, indexed_at = now(), tsv = excluded.tsv,
      field_lengths = excluded.field_lengths, term_sections = excluded.term_sections
    WHERE d.updated_at <= excluded.updated_at
    RETURNING d.type, d.id, d.tsv, d.field_lengths
  ), delta AS (
    SELECT w.type, l AS lexeme, 1 AS n FROM written w, unnest(tsvector_to_array(w.tsv)) AS l
    UNION ALL
    SELECT o.type, l, -1 FROM old o JOIN written w USING (type, id), unnest(tsvector_to_array(o.tsv)) AS l
    UNION ALL
    SELECT w.type, '', 1 FROM written w WHERE NOT EXISTS (SELECT 1 FROM old o WHERE o.type = w.type AND o.id = w.id)
    UNION ALL
    -- section lengths summed under ' len<i>' and the documents that have them under ' lendocs'
    -- (no lexeme holds a space), for the average section lengths of BM25F
    SELECT w.type, ' len' || f.i, f.len FROM written w, unnest(w.field_lengths) WITH ORDINALITY AS f(len, i)
    UNION ALL
    SELECT w.type, ' lendocs', 1 FROM written w WHERE w.field_lengths IS NOT NULL
    UNION ALL
    SELECT o.type, ' len' || f.i, -f.len
      FROM old o JOIN written w USING (type, id), unnest(o.field_lengths) WITH ORDINALITY AS f(len, i)
    UNION ALL
    SELECT o.type, ' lendocs', -1 FROM old o JOIN written w USING (type, id) WHERE o.field_lengths IS NOT NULL
  )
  INSERT INTO matching_term_stats AS s (namespace, type, lexeme, df)
  SELECT $1::text, type, lexeme, sum(n)::int FROM delta GROUP BY type, lexeme HAVING sum(n) <> 0
   ORDER BY type, lexeme
  ON CONFLICT (namespace, type, lexeme) DO UPDATE SET df = s.df + excluded.df`;

/** Removal of documents with their document-frequency deltas (same lock order as UPSERT_SQL). */
export const REMOVE_SQL = `
  WITH removed AS (
    DELETE FROM matching_documents WHERE namespace = $1::text AND type = $2::text AND id = ANY($3::text[])
    RETURNING tsv, field_lengths
  ), delta AS (
    SELECT l AS lexeme, -1 AS n FROM removed, unnest(tsvector_to_array(removed.tsv)) AS l
    UNION ALL
    SELECT '', -1 FROM removed
    UNION ALL
    SELECT ' len' || f.i, -f.len FROM removed, unnest(removed.field_lengths) WITH ORDINALITY AS f(len, i)
    UNION ALL
    SELECT ' lendocs', -1 FROM removed WHERE field_lengths IS NOT NULL
  )
  INSERT INTO matching_term_stats AS s (namespace, type, lexeme, df)
  SELECT $1::text, $2::text, lexeme, sum(n)::int FROM delta GROUP BY lexeme ORDER BY lexeme
  ON CONFLICT (namespace, type, lexeme) DO UPDATE SET df = s.df + excluded.df`;

/** Document frequencies of the given lexemes, and the document count under lexeme ''. */
export const TERM_STATS_SQL = `
  SELECT lexeme, df FROM matching_term_stats
   WHERE namespace = $1::text AND type = $2::text AND lexeme = ANY($3::text[])`;
