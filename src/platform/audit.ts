import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { DbOrTx } from './db.js';
import { newId } from './ids.js';
import type { Principal } from './principal.js';
import { auditEvents } from './schema.js';
import { jsonbTextWith, raw, type Text, text } from './statement.js';

/** Who acted: a person, a partner client, the system itself (jobs, migrations) or nobody. */
export interface Actor {
  type: 'user' | 'client' | 'system' | 'anonymous';
  id?: string;
  organisationId?: string;
}

/** The audit actor for a request's principal (anonymous without one). */
export function actorOf(p: Principal | undefined): Actor {
  if (!p) return { type: 'anonymous' };
  return { type: p.kind, id: p.id, organisationId: p.organisationId };
}

export interface AuditEntry {
  actor: Actor;
  action: string;
  objectType: string;
  objectId: string;
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

/**
 * Append one event to the audit trail, in the caller's transaction so the trail and the change
 * commit together. The table rejects UPDATE, DELETE and TRUNCATE (a trigger), so history
 * cannot be rewritten through the application.
 */
export async function recordAudit(tx: DbOrTx, e: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values(auditRow(e));
}

/**
 * `recordAudit` as a CTE of a larger statement (a `Text`, platform/statement.ts): the row written
 * once per row of `from` (a CTE of the statement), with `lateValue` (SQL of that statement) at
 * `afterPaths` of `after`.
 */
export function auditCteText(
  name: string,
  e: AuditEntry,
  from: string,
  lateValue?: string,
  afterPaths: string[][] = [],
): Text {
  const r = auditRow(e);
  return text`${raw(name)} AS (
    INSERT INTO audit_events (id, actor_type, actor_id, organisation_id, action, object_type, object_id, before, after, request_id)
    SELECT ${r.id}::uuid, ${r.actorType}, ${r.actorId}, ${r.organisationId}::uuid, ${r.action}, ${r.objectType}, ${r.objectId},
           ${jsonbTextWith(r.before)}, ${jsonbTextWith(r.after, lateValue, afterPaths)}, ${r.requestId}
    FROM ${raw(from)})`;
}

function auditRow(e: AuditEntry) {
  return {
    id: newId(),
    actorType: e.actor.type,
    actorId: e.actor.id ?? null,
    organisationId: e.actor.organisationId ?? null,
    action: e.action,
    objectType: e.objectType,
    objectId: e.objectId,
    before: (e.before ?? null) as object | null,
    after: (e.after ?? null) as object | null,
    requestId: e.requestId ?? null,
  };
}

export type AuditEvent = typeof auditEvents.$inferSelect;

/** The history of one object, newest first, keyset-paginated by (occurredAt, id). */
export async function auditHistory(
  db: DbOrTx,
  objectType: string,
  objectId: string,
  opts: { limit: number; after?: { occurredAt: Date; id: string } },
): Promise<AuditEvent[]> {
  const base = and(eq(auditEvents.objectType, objectType), eq(auditEvents.objectId, objectId));
  const where = opts.after
    ? and(
        base,
        or(
          lt(auditEvents.occurredAt, opts.after.occurredAt),
          and(eq(auditEvents.occurredAt, opts.after.occurredAt), lt(auditEvents.id, opts.after.id)),
        ),
      )
    : base;
  return db
    .select()
    .from(auditEvents)
    .where(where)
    .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
    .limit(opts.limit);
}

/** Many events in one statement (batch publishing audits up to 1,000 items at once). */
export async function recordAudits(tx: DbOrTx, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await tx.insert(auditEvents).values(entries.map(auditRow));
}
