import { and, desc, eq, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { NotFoundError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { type CursorCodec, pageByIdDesc } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { notifications as n } from './schema.js';

/**
 * The inbox other modules write to. `notifyInTx` runs in the caller's transaction, so a
 * notification exists exactly when the change that caused it committed; a `dedupKey` makes a
 * retried job or a second delivery of the same occurrence a no-op.
 */
export interface NotificationInput {
  recipient: { userId: string } | { organisationId: string };
  /** e.g. `interest.created`, `interest.accepted`, `alert.matched` */
  kind: string;
  /** short zh-CN line, shown as is */
  title: string;
  data: Record<string, unknown>;
  dedupKey?: string;
}

export const NOTIFICATION_LIMITS = { maxKind: 64, maxTitle: 200, maxDedupKey: 200 } as const;

/** Insert notifications; those whose dedupKey already exists are skipped. Returns how many were new. */
export async function notifyInTx(tx: DbOrTx, notes: NotificationInput[]): Promise<number> {
  if (!notes.length) return 0;
  const rows = await tx
    .insert(n)
    .values(
      notes.map((x) => ({
        id: newId(),
        recipientUserId: 'userId' in x.recipient ? x.recipient.userId : null,
        recipientOrganisationId: 'organisationId' in x.recipient ? x.recipient.organisationId : null,
        kind: x.kind.slice(0, NOTIFICATION_LIMITS.maxKind),
        title: x.title.slice(0, NOTIFICATION_LIMITS.maxTitle),
        data: x.data,
        dedupKey: x.dedupKey?.slice(0, NOTIFICATION_LIMITS.maxDedupKey) ?? null,
      })),
    )
    .onConflictDoNothing({ target: n.dedupKey })
    .returning({ id: n.id });
  return rows.length;
}

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  data: Record<string, unknown>;
  audience: 'user' | 'organisation';
  createdAt: string;
  readAt: string | null;
}

const view = (r: typeof n.$inferSelect): NotificationView => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  data: r.data as Record<string, unknown>,
  audience: r.recipientUserId ? 'user' : 'organisation',
  createdAt: r.createdAt.toISOString(),
  readAt: r.readAt?.toISOString() ?? null,
});

/** What the caller receives: their own (a person) and their organisation's. */
function mine(p: Principal): SQL {
  const parts: SQL[] = [];
  if (p.kind === 'user') parts.push(eq(n.recipientUserId, p.id));
  if (p.organisationId) parts.push(eq(n.recipientOrganisationId, p.organisationId));
  // A caller with neither (a client without an organisation) sees nothing.
  return parts.length ? (or(...parts) as SQL) : sql`false`;
}

export function createNotificationService(db: DbOrTx, cursors: CursorCodec) {
  return {
    async list(p: Principal, q: { cursor?: string; limit?: number; unread?: boolean }) {
      const where = and(mine(p), q.unread ? isNull(n.readAt) : undefined);
      const page = await pageByIdDesc(
        cursors,
        `notifications:${p.kind}:${p.id}:${q.unread ? 'unread' : 'all'}`,
        q,
        (before, limit) =>
          db
            .select()
            .from(n)
            .where(before ? and(where, lt(n.id, before)) : where)
            .orderBy(desc(n.id))
            .limit(limit),
        (r) => r.id,
      );
      const [{ unread } = { unread: 0 }] = await db
        .select({ unread: sql<number>`count(*)::int` })
        .from(n)
        .where(and(mine(p), isNull(n.readAt)));
      return { items: page.items.map(view), nextCursor: page.nextCursor, unread };
    },

    /** Mark one as read; someone else's is 404 (its existence is not disclosed). */
    async markRead(p: Principal, id: string): Promise<NotificationView> {
      const [row] = await db
        .update(n)
        .set({ readAt: sql`coalesce(${n.readAt}, now())` })
        .where(and(eq(n.id, id), mine(p)))
        .returning();
      if (!row) throw new NotFoundError('notification-not-found');
      return view(row);
    },

    async markAllRead(p: Principal): Promise<{ updated: number }> {
      const rows = await db
        .update(n)
        .set({ readAt: sql`now()` })
        .where(and(mine(p), isNull(n.readAt)))
        .returning({ id: n.id });
      return { updated: rows.length };
    },
  };
}
