/**
 * Tables of the integration module: partner webhook endpoints (subscriptions), the events they
 * receive, one delivery row per (event, endpoint) with its log, and notifications to owners.
 */
import { sql } from 'drizzle-orm';
import {
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const WEBHOOK_ENDPOINT_STATUSES = ['active', 'disabled'] as const;
export type WebhookEndpointStatus = (typeof WEBHOOK_ENDPOINT_STATUSES)[number];

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey(),
    /** Who owns it: `org:<uuid>` for an organisation, else `client:<id>` / `user:<id>`. */
    ownerKey: text('owner_key').notNull(),
    /** The owner's organisation: events restricted to organisations reach only theirs. */
    organisationId: uuid('organisation_id'),
    url: text('url').notNull(),
    description: text('description'),
    /** Event type patterns: exact (`voucher.issued`), prefix wildcard (`need.*`) or `*`. */
    eventTypes: text('event_types').array().notNull(),
    status: text('status', { enum: WEBHOOK_ENDPOINT_STATUSES }).notNull().default('active'),
    disabledReason: text('disabled_reason'),
    disabledAt: tstz('disabled_at'),
    /** Signing secrets (`whsec_…`), encrypted with a key derived from APP_SECRET. */
    secretEnc: text('secret_enc').notNull(),
    previousSecretEnc: text('previous_secret_enc'),
    previousSecretExpiresAt: tstz('previous_secret_expires_at'),
    /** Failed attempts since the last success, and when that streak began. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    failingSince: tstz('failing_since'),
    createdBy: text('created_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('webhook_endpoints_owner_idx').on(t.ownerKey, t.id),
    index('webhook_endpoints_active_idx').on(t.status).where(sql`status = 'active'`),
  ],
);

/** An event as emitted by a module; the payload sent is `{ id, type, timestamp, data }`. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid('id').primaryKey(),
    type: text('type').notNull(),
    subjectId: text('subject_id').notNull(),
    /** Who may receive it; null for a public event. */
    organisationIds: uuid('organisation_ids').array(),
    data: jsonb('data').notNull(),
    occurredAt: tstz('occurred_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_events_occurred_idx').on(t.occurredAt)],
);

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    eventId: uuid('event_id').notNull(),
    endpointId: uuid('endpoint_id').notNull(),
    status: text('status', { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Manual redeliveries so far: each gets a job id of its own. */
    redeliveries: integer('redeliveries').notNull().default(0),
    responseStatus: integer('response_status'),
    /** At most 1 KB of the receiver's answer. */
    responseBody: text('response_body'),
    durationMs: integer('duration_ms'),
    lastError: text('last_error'),
    lastAttemptAt: tstz('last_attempt_at'),
    nextAttemptAt: tstz('next_attempt_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    unique('webhook_deliveries_event_endpoint_key').on(t.eventId, t.endpointId),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
    foreignKey({
      name: 'webhook_deliveries_event_id_fkey',
      columns: [t.eventId],
      foreignColumns: [webhookEvents.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'webhook_deliveries_endpoint_id_fkey',
      columns: [t.endpointId],
      foreignColumns: [webhookEndpoints.id],
    }).onDelete('cascade'),
  ],
);

/** Messages to an endpoint's owner (e.g. "your endpoint was disabled"), listed by the owner. */
export const integrationNotifications = pgTable(
  'integration_notifications',
  {
    id: uuid('id').primaryKey(),
    ownerKey: text('owner_key').notNull(),
    kind: text('kind', { enum: ['webhook-endpoint-disabled'] }).notNull(),
    endpointId: uuid('endpoint_id'),
    detail: jsonb('detail').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('integration_notifications_owner_idx').on(t.ownerKey, t.id),
    foreignKey({
      name: 'integration_notifications_endpoint_id_fkey',
      columns: [t.endpointId],
      foreignColumns: [webhookEndpoints.id],
    }).onDelete('set null'),
  ],
);
