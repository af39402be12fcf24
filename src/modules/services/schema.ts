/**
 * The one-stop services marketplace (全网通办): institutions' priced offerings, organisations'
 * requests, institutions' quotes, and the orders made by accepting a quote, with their history.
 */
import { sql } from 'drizzle-orm';
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { historyTable } from '../../platform/history.js';
import { organisations } from '../identity/schema.js';
import type { ServiceKind } from './kinds.js';
import type { OrderStatus } from './lifecycle.js';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

/** A priced service an institution publishes (服务产品), reviewed like a listing. */
export const serviceOfferings = pgTable(
  'service_offerings',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id').notNull(),
    /** Copied at creation: the institution's sub-centre reviews it. */
    subCentreId: uuid('sub_centre_id'),
    kind: text('kind').$type<ServiceKind>().notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    /** fixed: priceFen is the price; from: the lowest price; quote: no price, quoted per request. */
    priceModel: text('price_model').$type<'fixed' | 'from' | 'quote'>().notNull(),
    priceFen: integer('price_fen'),
    turnaroundDays: integer('turnaround_days').notNull(),
    regionCodes: text('region_codes').array().notNull().default(sql`'{}'::text[]`),
    fieldCodes: text('field_codes').array().notNull().default(sql`'{}'::text[]`),
    /** The qualification the kind needs: { licenceNo, validUntil } (validUntil a China date). */
    qualification: jsonb('qualification'),
    status: text('status')
      .$type<'draft' | 'submitted' | 'published' | 'rejected' | 'withdrawn'>()
      .notNull()
      .default('draft'),
    rejectReason: text('reject_reason'),
    ratingCount: integer('rating_count').notNull().default(0),
    ratingSum: integer('rating_sum').notNull().default(0),
    publishedAt: tstz('published_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('service_offerings_status_idx').on(t.status, t.id),
    index('service_offerings_organisation_idx').on(t.organisationId, t.id),
    check(
      'service_offerings_status_check',
      sql`status IN ('draft','submitted','published','rejected','withdrawn')`,
    ),
    check('service_offerings_price_model_check', sql`price_model IN ('fixed','from','quote')`),
    foreignKey({
      name: 'service_offerings_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/** What an organisation needs (服务需求), optionally about one of its own objects. */
export const serviceRequests = pgTable(
  'service_requests',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id').notNull(),
    kind: text('kind').$type<ServiceKind>().notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    fieldCodes: text('field_codes').array().notNull().default(sql`'{}'::text[]`),
    regionCode: text('region_code'),
    /** { type: achievement | need | interest | contract, id }. */
    subject: jsonb('subject'),
    status: text('status').$type<'open' | 'ordered' | 'closed'>().notNull().default('open'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('service_requests_organisation_idx').on(t.organisationId, t.id),
    index('service_requests_kind_idx').on(t.kind, t.id),
    check('service_requests_status_check', sql`status IN ('open','ordered','closed')`),
    foreignKey({
      name: 'service_requests_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/** An institution's answer to a request, with one of its published offerings. */
export const serviceQuotes = pgTable(
  'service_quotes',
  {
    id: uuid('id').primaryKey(),
    requestId: uuid('request_id').notNull(),
    offeringId: uuid('offering_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    priceFen: integer('price_fen').notNull(),
    turnaroundDays: integer('turnaround_days').notNull(),
    /** The last China date the buyer may accept it. */
    validUntil: text('valid_until').notNull(),
    note: text('note'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /** Withdrawn by the institution while the request was open: it can no longer be accepted. */
    withdrawnAt: tstz('withdrawn_at'),
  },
  (t) => [
    index('service_quotes_request_idx').on(t.requestId, t.id),
    foreignKey({
      name: 'service_quotes_request_id_fkey',
      columns: [t.requestId],
      foreignColumns: [serviceRequests.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'service_quotes_offering_id_fkey',
      columns: [t.offeringId],
      foreignColumns: [serviceOfferings.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'service_quotes_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/** An order (服务订单): made when the buyer accepts a quote, carried to delivery and closure. */
export const serviceOrders = pgTable(
  'service_orders',
  {
    id: uuid('id').primaryKey(),
    requestId: uuid('request_id').notNull(),
    quoteId: uuid('quote_id').notNull(),
    offeringId: uuid('offering_id').notNull(),
    kind: text('kind').$type<ServiceKind>().notNull(),
    title: text('title').notNull(),
    buyerOrganisationId: uuid('buyer_organisation_id').notNull(),
    /** The buyer's sub-centre (分中心): it sees the overdue list and resolves disputes. */
    buyerSubCentreId: uuid('buyer_sub_centre_id'),
    institutionOrganisationId: uuid('institution_organisation_id').notNull(),
    priceFen: integer('price_fen').notNull(),
    turnaroundDays: integer('turnaround_days').notNull(),
    status: text('status').$type<OrderStatus>().notNull(),
    /** China date: turnaround working days after acceptance, on the holiday calendar. */
    dueDate: text('due_date').notNull(),
    /** [{ title, note?, at }] reported by the institution. */
    milestones: jsonb('milestones').notNull().default(sql`'[]'::jsonb`),
    /** [{ name, sha256 }]: hashes of the delivered documents, never the documents. */
    deliverables: jsonb('deliverables').notNull().default(sql`'[]'::jsonb`),
    /** { reason, raisedAt, resolution?: { outcome, note, at } }. */
    dispute: jsonb('dispute'),
    cancelReason: jsonb('cancel_reason'),
    /** The buyer's one rating { score, text, at } and the institution's one reply { text, at }. */
    rating: jsonb('rating'),
    ratingReply: jsonb('rating_reply'),
    deliveredAt: tstz('delivered_at'),
    closedAt: tstz('closed_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('service_orders_quote_key').on(t.quoteId),
    index('service_orders_buyer_idx').on(t.buyerOrganisationId, t.id),
    index('service_orders_institution_idx').on(t.institutionOrganisationId, t.id),
    index('service_orders_open_due_idx').on(t.dueDate).where(sql`status IN ('accepted', 'in_progress')`),
    check(
      'service_orders_status_check',
      sql`status IN ('quoted','accepted','in_progress','delivered','accepted_by_buyer','disputed','closed','cancelled')`,
    ),
    foreignKey({
      name: 'service_orders_request_id_fkey',
      columns: [t.requestId],
      foreignColumns: [serviceRequests.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'service_orders_quote_id_fkey',
      columns: [t.quoteId],
      foreignColumns: [serviceQuotes.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'service_orders_offering_id_fkey',
      columns: [t.offeringId],
      foreignColumns: [serviceOfferings.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'service_orders_buyer_organisation_id_fkey',
      columns: [t.buyerOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'service_orders_institution_organisation_id_fkey',
      columns: [t.institutionOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/** Every step of an order, oldest first by id (UUIDv7). */
export const serviceOrderEvents = historyTable('service_order_events', 'order_id', serviceOrders.id);
