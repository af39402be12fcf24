import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Durable side effects (transactional outbox): a row is written in the same transaction as
 * the state change that implies the job, then handed to BullMQ with the row's id (or its
 * deterministic job id) as the job id.
 */
export const outboxJobs = pgTable(
  'outbox_jobs',
  {
    id: uuid('id').primaryKey(),
    queue: text('queue').notNull(),
    name: text('name').notNull(),
    jobId: text('job_id').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    /** A dispatcher claims rows for a short while instead of holding a lock across the queue call. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  // Pending rows by queue, oldest first: the dispatcher's claim reads each queue up to its cutoff
  // (a deferred queue's young rows are never visited; see claimStatement in outbox.ts).
  (t) => [index('outbox_jobs_pending_idx').on(t.queue, t.createdAt).where(sql`dispatched_at IS NULL`)],
);

/**
 * When a deferred queue's own service last made progress on the queue's work (e.g. the voucher
 * issuer's sweep issued a batch; outbox.ts recordOutboxProgress). While it is recent, the
 * dispatcher leaves that queue's rows to the service (claimStatement); one row per queue.
 */
export const outboxProgress = pgTable('outbox_progress', {
  queue: text('queue').primaryKey(),
  progressedAt: timestamp('progressed_at', { withTimezone: true }).notNull(),
});

/** Append-only audit trail: who did what to which object, with the state before and after. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    organisationId: uuid('organisation_id'),
    action: text('action').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
  },
  (t) => [index('audit_events_object_idx').on(t.objectType, t.objectId, t.occurredAt)],
);

/** Stored responses for `Idempotency-Key`, scoped to the caller. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_flight', 'done'] }).notNull(),
    responseStatus: integer('response_status'),
    responseHeaders: jsonb('response_headers'),
    responseBody: text('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lockedAt: timestamp('locked_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pk', columns: [t.scope, t.key] }),
    index('idempotency_keys_expiry_idx').on(t.expiresAt),
  ],
);
