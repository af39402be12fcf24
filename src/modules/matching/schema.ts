import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * An embedding as float32 little-endian bytes: four bytes a dimension, read back without the
 * text parsing a `real[]` costs (ten times the CPU when 100,000 vectors are loaded).
 */
const float32Vector = customType<{ data: Float32Array; driverData: Buffer }>({
  dataType: () => 'bytea',
  toDriver: (v) => {
    const buf = Buffer.alloc(v.length * 4);
    for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i]!, i * 4);
    return buf;
  },
  fromDriver: (buf) => {
    const v = new Float32Array(buf.length / 4);
    for (let i = 0; i < v.length; i++) v[i] = buf.readFloatLE(i * 4);
    return v;
  },
});

/** Built in TypeScript from jieba tokens (see tsvector.ts), never by PostgreSQL's own parser. */
const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});

/**
 * The embedded search engine's index: one row per searchable listing, fed by the catalog through
 * the `SearchEngine` port. `namespace` separates independent indexes in one database (tests, bench).
 * Only public text is indexed; the body text itself is not stored, only its tokens.
 */
export const matchingDocuments = pgTable(
  'matching_documents',
  {
    namespace: text('namespace').notNull(),
    type: text('type').notNull(),
    id: text('id').notNull(),
    title: text('title').notNull(),
    summary: text('summary').notNull().default(''),
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    fieldCode: text('field_code'),
    regionCode: text('region_code'),
    /** 地级市 code, for the region facet and 同城 */
    cityCode: text('city_code'),
    /** district, city and province codes, so a filter on a city matches its districts */
    regionPath: text('region_path').array().notNull().default(sql`'{}'::text[]`),
    trl: smallint('trl'),
    minTrl: smallint('min_trl'),
    transferModes: text('transfer_modes').array().notNull().default(sql`'{}'::text[]`),
    /** asking price (min = max) or budget range in fen; both null = 面议 */
    priceMinFen: bigint('price_min_fen', { mode: 'number' }),
    priceMaxFen: bigint('price_max_fen', { mode: 'number' }),
    /** the achievement's own price, kept apart from the range so hits can report it as given */
    priceFen: bigint('price_fen', { mode: 'number' }),
    organisationId: uuid('organisation_id'),
    /** filter labels (SearchDocument.tags), e.g. an offering's kind, fields and regions served */
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    status: text('status').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    indexedAt: timestamp('indexed_at', { withTimezone: true }).notNull().defaultNow(),
    tsv: tsvector('tsv').notNull(),
    /** tokens in title, keywords, summary and body (BM25F length normalisation); null before a reindex */
    fieldLengths: integer('field_lengths').array(),
    /**
     * The tsvector's occurrences again, as lexeme → their weight letters ('AAD': twice in the title,
     * once in the body), written with it from it. The matching ranker reads a candidate's
     * occurrences of the query's lexemes by key here, where unnesting the tsvector would build
     * every lexeme's position and weight arrays for each of hundreds of candidates per request.
     */
    termSections: jsonb('term_sections').notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    primaryKey({ name: 'matching_documents_pk', columns: [t.namespace, t.type, t.id] }),
    // a small pending list (kB): every query scans it linearly until it is merged, so it must stay
    // short, but without one each write updates ~100 posting lists and indexing runs 2× slower
    index('matching_documents_tsv_idx')
      .using('gin', t.tsv)
      .with({ fastupdate: true, gin_pending_list_limit: 512 }),
    // pg_trgm (migration 0001): typo-tolerant title matches for Latin terms (lidar → lidra)
    index('matching_documents_title_trgm_idx').using('gin', t.title.op('gin_trgm_ops')),
    index('matching_documents_listing_idx').on(t.namespace, t.type, t.status, t.updatedAt),
    check(
      'matching_documents_type_check',
      sql`${t.type} IN ('achievement', 'need', 'expert', 'institution', 'offering')`,
    ),
    check('matching_documents_trl_check', sql`${t.trl} BETWEEN 1 AND 9 AND ${t.minTrl} BETWEEN 1 AND 9`),
  ],
);

/** The thesaurus of one namespace as operators edited it; absent = the shipped data/synonyms.json. */
export const matchingSynonymSets = pgTable(
  'matching_synonym_sets',
  {
    namespace: text('namespace').notNull(),
    groups: jsonb('groups').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'matching_synonym_sets_pk', columns: [t.namespace] })],
);

/**
 * Document frequency of every lexeme per namespace and type, kept exact by the engine's upserts
 * and removals (the row with lexeme '' counts the documents). Long matching queries use it to
 * pick their rarest terms for candidate selection and to weigh terms by inverse frequency.
 */
export const matchingTermStats = pgTable(
  'matching_term_stats',
  {
    namespace: text('namespace').notNull(),
    type: text('type').notNull(),
    lexeme: text('lexeme').notNull(),
    df: integer('df').notNull(),
  },
  (t) => [primaryKey({ name: 'matching_term_stats_pk', columns: [t.namespace, t.type, t.lexeme] })],
);

/**
 * Embeddings of the listings' public text for optional semantic retrieval (semantic.ts), kept
 * beside the index whichever engine runs: one vector per document, the model that made it and a
 * hash of the text it was made from (model included), so unchanged text is never embedded again.
 * Holds nothing the index does not: public text only, and the row goes when the document does.
 */
export const matchingEmbeddings = pgTable(
  'matching_embeddings',
  {
    namespace: text('namespace').notNull(),
    type: text('type').notNull(),
    id: text('id').notNull(),
    model: text('model').notNull(),
    contentHash: text('content_hash').notNull(),
    dims: integer('dims').notNull(),
    vector: float32Vector('vector').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'matching_embeddings_pk', columns: [t.namespace, t.type, t.id] }),
    check(
      'matching_embeddings_dims_check',
      sql`${t.dims} BETWEEN 1 AND 4096 AND octet_length(${t.vector}) = 4 * ${t.dims}`,
    ),
  ],
);

/**
 * Term associations learned from the catalog (associations.ts), per namespace: the listings whose
 * text holds `term` are often filed under the keyword `associate`. Replaced whole by each rebuild
 * (the `matching.associations` job, debounced after catalog changes).
 */
export const matchingTermAssociations = pgTable(
  'matching_term_associations',
  {
    namespace: text('namespace').notNull(),
    term: text('term').notNull(),
    associate: text('associate').notNull(),
    /** normalised pointwise mutual information, 0–1 */
    strength: real('strength').notNull(),
    /** listings holding both */
    support: integer('support').notNull(),
  },
  (t) => [primaryKey({ name: 'matching_term_associations_pk', columns: [t.namespace, t.term, t.associate] })],
);
