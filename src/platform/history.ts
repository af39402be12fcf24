/**
 * A lifecycle's own history (interests, service orders, investment interests): one row a step,
 * oldest first by id (UUIDv7), beside the audit trail. Each module keeps its table under its own
 * name and subject column; the table's shape, the row written per step and its view are the same
 * everywhere and live here.
 */
import { asc, eq, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  foreignKey,
  index,
  jsonb,
  type PgSelect,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Actor } from './audit.js';
import { newId } from './ids.js';

/**
 * A lifecycle's history table: `name` (`interest_events`…) with its subject column
 * `subjectColumn` (`interest_id`…, the `subjectId` property) referencing `subject` (the subject
 * table's id), deleted with it, and indexed by (subject, id): one subject's steps in order. The
 * index and foreign key are named as the tables' convention has it: `<name>_<subject>_idx` (the
 * subject column without `_id`) and `<name>_<subject column>_fkey`. `A` narrows the step names.
 */
export function historyTable<A extends string = string>(
  name: string,
  subjectColumn: string,
  subject: AnyPgColumn,
) {
  return pgTable(
    name,
    {
      id: uuid('id').primaryKey(),
      subjectId: uuid(subjectColumn).notNull(),
      action: text('action').$type<A>().notNull(),
      fromStatus: text('from_status'),
      toStatus: text('to_status').notNull(),
      actorType: text('actor_type').notNull(),
      actorId: text('actor_id'),
      actorOrganisationId: uuid('actor_organisation_id'),
      /** Step details without personal data (decline reason, contract id…). */
      data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
      occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index(`${name}_${subjectColumn.replace(/_id$/, '')}_idx`).on(t.subjectId, t.id),
      foreignKey({
        name: `${name}_${subjectColumn}_fkey`,
        columns: [t.subjectId],
        foreignColumns: [subject],
      }).onDelete('cascade'),
    ],
  );
}

/**
 * The history row of one step of `subjectId`: `tx.insert(interestEvents).values(historyEntry(…))`.
 * The row's id is fresh, so a caller may key other records of the step on it.
 */
export function historyEntry<A extends string>(
  subjectId: string,
  step: A,
  from: string | null,
  to: string,
  actor: Actor,
  data: Record<string, unknown>,
) {
  return {
    id: newId(),
    subjectId,
    action: step,
    fromStatus: from,
    toStatus: to,
    actorType: actor.type,
    actorId: actor.id ?? null,
    actorOrganisationId: actor.organisationId ?? null,
    data,
  };
}

/**
 * A step's details as a webhook carries them: ids, numbers, dates and codes only. Drops the
 * free-text fields named (a note at least) and keeps only the code of a reason.
 */
export function webhookStepData(
  data: Record<string, unknown>,
  words: readonly string[] = ['note'],
): Record<string, unknown> {
  const { reason, ...rest } = data;
  for (const w of words) delete rest[w];
  return {
    ...rest,
    ...(reason && typeof reason === 'object' ? { reason: { code: (reason as { code: string }).code } } : {}),
  };
}

/**
 * One subject's history, oldest first: `query` is a `$dynamic()` select of the history table.
 * The state machine bounds a history, so a limit stands in for pagination.
 */
export function historyOf<Q extends PgSelect>(
  query: Q,
  t: { id: AnyPgColumn; subjectId: AnyPgColumn },
  subjectId: string,
  limit: number,
): Q {
  return query.where(eq(t.subjectId, subjectId)).orderBy(asc(t.id)).limit(limit);
}

/** A history row as read back from a history table. */
export interface HistoryRow<A extends string = string> {
  action: A;
  fromStatus: string | null;
  toStatus: string;
  actorType: string;
  actorOrganisationId: string | null;
  data: unknown;
  occurredAt: Date;
}

/** A step as the API shows it: no actor id (a person), the organisation acting and the details. */
export function historyView<A extends string>(e: HistoryRow<A>) {
  return {
    action: e.action,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    actorType: e.actorType,
    actorOrganisationId: e.actorOrganisationId,
    data: e.data as Record<string, unknown>,
    occurredAt: e.occurredAt.toISOString(),
  };
}
