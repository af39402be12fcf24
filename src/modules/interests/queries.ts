import { and, eq } from 'drizzle-orm';
import { authorize } from '../../platform/authz.js';
import { historyOf } from '../../platform/history.js';
import { pageNewestFirst, partyScope } from '../../platform/lists.js';
import { actsFor, type Principal } from '../../platform/principal.js';
import { findInterest, type InterestDeps } from './deps.js';
import type { Status } from './lifecycle.js';
import { contactsOf, findListing } from './ports.js';
import { interests as i, interestEvents } from './schema.js';
import { toDetail, toSummary } from './views.js';

/** One interest with its history: only its two organisations and operators see it (others 404). */
export async function getInterest(deps: InterestDeps, p: Principal | undefined, id: string) {
  const row = await findInterest(deps.db, id);
  authorize(p, 'interest.read', row);
  // The state machine bounds the history (at most one event per step), so no pagination.
  const ev = interestEvents;
  const events = await historyOf(deps.db.select().from(ev).$dynamic(), ev, id, 50);
  const listing = await findListing(deps.db, 'achievement', row.achievementId);
  const viewer = {
    interested: actsFor(p, row.interestedOrganisationId),
    owner: actsFor(p, row.ownerOrganisationId),
  };
  return toDetail(row, events, listing ? contactsOf(listing) : [], viewer, deps.contactKey);
}

export interface ListQuery {
  role?: 'sent' | 'received';
  status?: Status;
  achievementId?: string;
  cursor?: string;
  limit?: number;
}

/**
 * The caller's interests, newest first: `sent` (its organisation is interested), `received`
 * (its organisation owns the achievement) or both. Operators without a role see all.
 */
export async function listInterests(deps: InterestDeps, p: Principal | undefined, q: ListQuery) {
  const scope = partyScope(p, q.role, { sent: i.interestedOrganisationId, received: i.ownerOrganisationId });
  const where = and(
    scope,
    q.status ? eq(i.status, q.status) : undefined,
    q.achievementId ? eq(i.achievementId, q.achievementId) : undefined,
  );
  const list = `interests:${p?.kind}:${p?.id}:${q.role ?? ''}:${q.status ?? ''}:${q.achievementId ?? ''}`;
  const query = deps.db.select().from(i).$dynamic();
  const page = await pageNewestFirst(deps.cursors, list, q, query, i.id, where, (r) => r.id);
  return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
}
