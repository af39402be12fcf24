import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { type Actor, recordAudit } from '../../../platform/audit.js';
import type { Db } from '../../../platform/db.js';
import { NotFoundError } from '../../../platform/errors.js';
import { type CursorCodec, type Page, paginate } from '../../../platform/pagination.js';
import { revokeGrant } from './adapter.js';
import { oauthClients, oidcPayloads } from './schema.js';

/**
 * "My sessions": the browser sessions a person signed in with (single sign-on) and the grants
 * they gave partner platforms. A session is named by its `uid`, never by its id, which is the
 * session cookie's value.
 */
export interface SignInSession {
  id: string;
  type: 'session' | 'grant';
  clients: { clientId: string; name: string }[];
  scopes?: string[];
  createdAt: string;
  expiresAt: string | null;
}

const LIST = 'me-sessions';
const notExpired = sql`(${oidcPayloads.expiresAt} IS NULL OR ${oidcPayloads.expiresAt} > now())`;
const publicId = sql<string>`coalesce(${oidcPayloads.uid}, ${oidcPayloads.id})`;

interface SessionPayload {
  authorizations?: Record<string, { grantId?: string }>;
}
interface GrantPayload {
  clientId?: string;
  openid?: { scope?: string };
  resources?: Record<string, string>;
}

export async function listSessions(
  db: Db,
  cursors: CursorCodec,
  userId: string,
  opts: { limit: number; cursor?: string },
): Promise<Page<SignInSession>> {
  const after = cursors.decode(LIST, opts.cursor) as [string, string] | undefined;
  const page = await paginate(
    cursors,
    LIST,
    opts.limit,
    (n) =>
      db
        .select({
          model: oidcPayloads.model,
          publicId,
          payload: oidcPayloads.payload,
          createdAt: oidcPayloads.createdAt,
          expiresAt: oidcPayloads.expiresAt,
        })
        .from(oidcPayloads)
        .where(
          and(
            eq(oidcPayloads.accountId, userId),
            inArray(oidcPayloads.model, ['Session', 'Grant']),
            notExpired,
            after
              ? or(
                  lt(oidcPayloads.createdAt, new Date(after[0])),
                  and(eq(oidcPayloads.createdAt, new Date(after[0])), sql`${publicId} < ${after[1]}`),
                )
              : undefined,
          ),
        )
        .orderBy(desc(oidcPayloads.createdAt), desc(publicId))
        .limit(n),
    (r) => [r.createdAt.toISOString(), r.publicId],
  );
  const clientIds = new Set<string>();
  for (const r of page.items) {
    if (r.model === 'Session')
      for (const id of Object.keys((r.payload as SessionPayload).authorizations ?? {})) clientIds.add(id);
    else if ((r.payload as GrantPayload).clientId) clientIds.add((r.payload as GrantPayload).clientId!);
  }
  const names = new Map(
    clientIds.size
      ? (
          await db
            .select({ id: oauthClients.clientId, name: oauthClients.name })
            .from(oauthClients)
            .where(inArray(oauthClients.clientId, [...clientIds]))
        ).map((c) => [c.id, c.name])
      : [],
  );
  const client = (id: string) => ({ clientId: id, name: names.get(id) ?? id });
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((r) => {
      const base = {
        id: r.publicId,
        createdAt: r.createdAt.toISOString(),
        expiresAt: r.expiresAt?.toISOString() ?? null,
      };
      if (r.model === 'Session') {
        const ids = Object.keys((r.payload as SessionPayload).authorizations ?? {});
        return { ...base, type: 'session' as const, clients: ids.map(client) };
      }
      const g = r.payload as GrantPayload;
      const scopes = [g.openid?.scope ?? '', ...Object.values(g.resources ?? {})].join(' ').split(' ');
      return {
        ...base,
        type: 'grant' as const,
        clients: g.clientId ? [client(g.clientId)] : [],
        scopes: [...new Set(scopes.filter(Boolean))],
      };
    }),
  };
}

/** Signs a session out everywhere (and revokes its grants), or revokes one grant. */
export async function revokeSession(
  db: Db,
  actor: Actor & { id: string },
  id: string,
  requestId?: string,
): Promise<void> {
  const [row] = await db
    .select({ model: oidcPayloads.model, id: oidcPayloads.id, payload: oidcPayloads.payload })
    .from(oidcPayloads)
    .where(
      and(
        eq(oidcPayloads.accountId, actor.id),
        or(
          and(eq(oidcPayloads.model, 'Session'), eq(oidcPayloads.uid, id)),
          and(eq(oidcPayloads.model, 'Grant'), eq(oidcPayloads.id, id)),
        ),
      ),
    )
    .limit(1);
  // Another person's session looks exactly like a missing one.
  if (!row) throw new NotFoundError('session-not-found');
  if (row.model === 'Session') {
    const auths = (row.payload as SessionPayload).authorizations ?? {};
    for (const a of Object.values(auths)) if (a.grantId) await revokeGrant(db, a.grantId);
    await db.delete(oidcPayloads).where(and(eq(oidcPayloads.model, 'Session'), eq(oidcPayloads.id, row.id)));
  } else {
    await revokeGrant(db, row.id);
  }
  await recordAudit(db, {
    actor,
    action: row.model === 'Session' ? 'auth.session_revoked' : 'auth.grant_revoked',
    objectType: row.model === 'Session' ? 'session' : 'grant',
    objectId: id,
    requestId,
  });
}
