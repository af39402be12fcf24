import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Schema } from '../../platform/http/operations.js';
import { organisations, subCentres } from '../identity/schema.js';
import type { Status } from './lifecycle.js';
import type { FieldCode } from './model.js';

/** PostgreSQL's 64-bit transaction id (`pg_current_xact_id()`), compared as text-free bigint. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

/**
 * Achievements (科技成果) and needs (技术需求) share one table: the same lifecycle, review,
 * batch upsert, duplicates and change feed apply to both; kind-specific columns are null for
 * the other kind. `content` is the public part, `confidential` the part behind the NDA.
 */
export const catalogListings = pgTable(
  'catalog_listings',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: ['achievement', 'need'] }).notNull(),
    organisationId: uuid('organisation_id').notNull(),
    /** The owner's sub-centre when the listing was created: its registrars review it. */
    subCentreId: uuid('sub_centre_id'),
    status: text('status').$type<Status>().notNull().default('draft'),
    externalId: text('external_id'),
    sourceSystem: text('source_system'),
    title: text('title').notNull(),
    /** The title for pg_trgm (see duplicates.ts `titleKey`): CJK characters as ASCII. */
    titleKey: text('title_key').notNull().default(''),
    fieldCode: text('field_code').notNull(),
    regionCode: text('region_code').notNull(),
    /** Achievement: its TRL; need: the minimum TRL asked for. */
    trl: smallint('trl'),
    /** Achievement: price (null = 面议); need: budget range. All in fen. */
    priceFen: bigint('price_fen', { mode: 'number' }),
    budgetMinFen: bigint('budget_min_fen', { mode: 'number' }),
    budgetMaxFen: bigint('budget_max_fen', { mode: 'number' }),
    modes: text('modes').array().notNull().default(sql`'{}'::text[]`),
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    /** Canonical patent application numbers, for the "same patent anywhere" duplicate check. */
    patentNumbers: text('patent_numbers').array().notNull().default(sql`'{}'::text[]`),
    content: jsonb('content').notNull(),
    confidential: jsonb('confidential'),
    /** sha256 of the canonical input: a re-posted identical item is `unchanged`. */
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull().default(1),
    validUntil: date('valid_until'),
    /** Last review decision: { decision, reasons, reviewerId, decidedAt }. */
    review: jsonb('review'),
    mergedInto: uuid('merged_into'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('catalog_listings_external_key')
      .on(t.organisationId, t.kind, t.externalId)
      .where(sql`external_id IS NOT NULL`),
    index('catalog_listings_kind_status_updated_idx').on(t.kind, t.status, t.updatedAt, t.id),
    index('catalog_listings_org_idx').on(t.organisationId, t.kind, t.updatedAt),
    index('catalog_listings_sub_centre_idx').on(t.subCentreId, t.kind, t.status),
    index('catalog_listings_patents_idx').using('gin', t.patentNumbers),
    index('catalog_listings_title_key_trgm_idx').using('gin', t.titleKey.op('gin_trgm_ops')),
    /** The expiry sweep's scan (expiry.ts): published listings by their last valid day. */
    index('catalog_listings_expiry_idx').on(t.validUntil).where(sql`status = 'published'`),
    /** Lists filtered by field (the common query) read in keyset order and stop after a page. */
    index('catalog_listings_kind_field_updated_idx').on(t.kind, t.fieldCode, t.updatedAt, t.id),
    foreignKey({
      name: 'catalog_listings_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'catalog_listings_sub_centre_id_fkey',
      columns: [t.subCentreId],
      foreignColumns: [subCentres.id],
    }).onDelete('set null'),
  ],
);

/** The previous content of a listing each time a published one is edited (its history). */
export const catalogListingVersions = pgTable(
  'catalog_listing_versions',
  {
    listingId: uuid('listing_id').notNull(),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').notNull(),
    replacedAt: timestamp('replaced_at', { withTimezone: true }).notNull().defaultNow(),
    replacedBy: text('replaced_by'),
  },
  (t) => [
    primaryKey({ name: 'catalog_listing_versions_pk', columns: [t.listingId, t.version] }),
    foreignKey({
      name: 'catalog_listing_versions_listing_id_fkey',
      columns: [t.listingId],
      foreignColumns: [catalogListings.id],
    }).onDelete('cascade'),
  ],
);

/** NDA acceptances: an organisation accepted this listing's NDA (保密协议) and sees its details. */
export const catalogNdas = pgTable(
  'catalog_ndas',
  {
    listingId: uuid('listing_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    acceptedBy: text('accepted_by').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'catalog_ndas_pk', columns: [t.listingId, t.organisationId] }),
    foreignKey({
      name: 'catalog_ndas_listing_id_fkey',
      columns: [t.listingId],
      foreignColumns: [catalogListings.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'catalog_ndas_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('cascade'),
  ],
);

/**
 * The public change feed. A reader orders by (txid, seq) and only reads rows whose txid is below
 * the oldest transaction still in flight, so a transaction that commits late can never slip in
 * behind a position a reader has already passed.
 */
export const catalogChanges = pgTable(
  'catalog_changes',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    txid: xid8('txid').notNull().default(sql`pg_current_xact_id()`),
    /** achievement, need, or (for the services module) service_offering, service_request, service_order. */
    kind: text('kind').notNull(),
    /** The changed object's id (a listing, or a service offering, request or order). */
    listingId: uuid('listing_id').notNull(),
    change: text('change').notNull(),
    version: integer('version').notNull(),
    /**
     * Who may read the row: null for a public change; otherwise the organisations party to a
     * private object (a service request's or order's sides), and only they see it.
     */
    audience: uuid('audience').array(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('catalog_changes_position_idx').on(t.txid, t.seq),
    index('catalog_changes_object_idx').on(t.listingId),
  ],
);

/** Experts (专家资源). */
export const catalogExperts = pgTable(
  'catalog_experts',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    title: text('title'),
    organisationId: uuid('organisation_id'),
    fields: text('fields').array().$type<FieldCode[]>().notNull().default(sql`'{}'::text[]`),
    expertise: text('expertise').array().notNull().default(sql`'{}'::text[]`),
    bio: text('bio'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('catalog_experts_updated_idx').on(t.updatedAt, t.id),
    foreignKey({
      name: 'catalog_experts_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('set null'),
  ],
);

/** Service institutions (服务机构): an organisation's service profile. */
export const catalogInstitutions = pgTable(
  'catalog_institutions',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id').notNull(),
    name: text('name').notNull(),
    kinds: text('kinds').array().$type<Schema<'ServiceKind'>[]>().notNull(),
    regionCode: text('region_code'),
    description: text('description'),
    services: text('services').array().notNull().default(sql`'{}'::text[]`),
    contact: jsonb('contact'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('catalog_institutions_org_key').on(t.organisationId),
    index('catalog_institutions_updated_idx').on(t.updatedAt, t.id),
    foreignKey({
      name: 'catalog_institutions_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('cascade'),
  ],
);
