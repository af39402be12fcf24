/**
 * Saved searches (订阅检索) and the alerts they produced. The structured filters are columns, not
 * JSON, so the alert job can pre-select the saved searches a listing may match in SQL before it
 * asks the search engine about the text.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const SAVED_SEARCH_TYPES = ['achievement', 'need'] as const;
export type SavedSearchType = (typeof SAVED_SEARCH_TYPES)[number];

export const savedSearches = pgTable(
  'saved_searches',
  {
    id: uuid('id').primaryKey(),
    /** The person who saved it: only they see it, and their inbox receives its alerts. */
    ownerUserId: uuid('owner_user_id').notNull(),
    /** The organisation they acted for: webhook alerts go to it, and its own listings alert no one. */
    organisationId: uuid('organisation_id'),
    name: text('name').notNull(),
    type: text('type', { enum: SAVED_SEARCH_TYPES }).notNull(),
    /** Free text; '' = filters only. */
    q: text('q').notNull().default(''),
    fieldCodes: text('field_codes').array().notNull().default(sql`'{}'::text[]`),
    regionCodes: text('region_codes').array().notNull().default(sql`'{}'::text[]`),
    trlMin: smallint('trl_min'),
    trlMax: smallint('trl_max'),
    transferModes: text('transfer_modes').array().notNull().default(sql`'{}'::text[]`),
    priceMinFen: bigint('price_min_fen', { mode: 'number' }),
    priceMaxFen: bigint('price_max_fen', { mode: 'number' }),
    includeNegotiable: boolean('include_negotiable').notNull().default(true),
    notifyWebhook: boolean('notify_webhook').notNull().default(false),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('saved_searches_owner_idx').on(t.ownerUserId, t.id),
    index('saved_searches_type_idx').on(t.type, t.id),
    check('saved_searches_webhook_org_check', sql`NOT ${t.notifyWebhook} OR ${t.organisationId} IS NOT NULL`),
  ],
);

/** One row per (saved search, listing, version) that matched: the alert, written exactly once. */
export const savedSearchAlerts = pgTable(
  'saved_search_alerts',
  {
    id: uuid('id').primaryKey(),
    savedSearchId: uuid('saved_search_id').notNull(),
    listingType: text('listing_type').$type<SavedSearchType>().notNull(),
    listingId: text('listing_id').notNull(),
    version: integer('version').notNull(),
    /** published | updated (the catalog's public change) */
    change: text('change').notNull(),
    title: text('title').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('saved_search_alerts_once').on(t.savedSearchId, t.listingId, t.version),
    index('saved_search_alerts_search_idx').on(t.savedSearchId, t.id),
    foreignKey({
      name: 'saved_search_alerts_saved_search_id_fkey',
      columns: [t.savedSearchId],
      foreignColumns: [savedSearches.id],
    }).onDelete('cascade'),
  ],
);
