/**
 * The in-app inbox: messages to one person or to everyone acting for one organisation
 * (interests answered, saved-search alerts…). Modules write them with `notifyInTx`.
 */
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey(),
    recipientUserId: uuid('recipient_user_id'),
    recipientOrganisationId: uuid('recipient_organisation_id'),
    /** What happened, e.g. `interest.created`, `alert.matched`. */
    kind: text('kind').notNull(),
    /** A short zh-CN line to show as is. */
    title: text('title').notNull(),
    /** Ids and figures a client needs to link to the subject. */
    data: jsonb('data').notNull(),
    /** A second notification with the same key is dropped (exactly one per occurrence). */
    dedupKey: text('dedup_key'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    readAt: tstz('read_at'),
  },
  (t) => [
    unique('notifications_dedup_key').on(t.dedupKey),
    index('notifications_user_idx').on(t.recipientUserId, t.id),
    index('notifications_org_idx').on(t.recipientOrganisationId, t.id),
    check(
      'notifications_recipient_check',
      sql`(${t.recipientUserId} IS NULL) <> (${t.recipientOrganisationId} IS NULL)`,
    ),
  ],
);
