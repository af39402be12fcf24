/**
 * A lifecycle's own history (interests, service orders, investment interests): one row a step,
 * oldest first by id (UUIDv7), beside the audit trail. Each module keeps its table under its own
 * name with its own subject column; the columns, the constraints and the row written per step
 * are the same everywhere and live here.
 */
import { asc, eq, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  foreignKey,
  index,
  jsonb,
  type PgSelect,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Actor } from './audit.js';
import { newId } from './ids.js';

/**
 * The columns after the id and the subject column (`interest_id`, `order_id`…): what step, from
 * which status to which, by whom, with what details (no personal data) and when. `A` narrows
 * the step names a module records.
 */
export function historyColumns<A extends string = string>() {
  return {
    action: text('action').$type<A>().notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    actorOrganisationId: uuid('actor_organisation_id'),
    /** Step details without personal data (decline reason, contract id…). */
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  };
}

/**
 * The history's index (subject, id: one subject's steps in order) and its foreign key to the
 * subject, deleted with it. Names follow the tables' convention: `<table>_<subject>_idx` and
 * `<table>_<column>_fkey`, the subject being the column's name without `_id`.
 */
export function historyConstraints(
  table: string,
  t: { id: AnyPgColumn },
  subject: AnyPgColumn,
  subjectTableId: AnyPgColumn,
) {
  return [
    index(`${table}_${subject.name.replace(/_id$/, '')}_idx`).on(subject, t.id),
    foreignKey({
      name: `${table}_${subject.name}_fkey`,
      columns: [subject],
      foreignColumns: [subjectTableId],
    }).onDelete('cascade'),
  ];
}

/**
 * The history row of one step, but for the subject column, which the caller adds:
 * `tx.insert(interestEvents).values({ ...historyEntry(…), interestId: row.id })`.
 * The row's id is fresh, so a caller may key other records of the step on it.
 */
export function historyEntry<A extends string>(
  step: A,
  from: string | null,
  to: string,
  actor: Actor,
  data: Record<string, unknown>,
) {
  return {
    id: newId(),
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
  t: { id: AnyPgColumn },
  subject: AnyPgColumn,
  subjectId: string,
  limit: number,
): Q {
  return query.where(eq(subject, subjectId)).orderBy(asc(t.id)).limit(limit);
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
