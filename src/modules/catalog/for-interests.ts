import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../platform/audit.js';
import type { Db, DbOrTx, Tx } from '../../platform/db.js';
import type { CursorCodec } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { acceptNda } from './listings.js';
import type { ListingKind } from './model.js';
import { catalogListings } from './schema.js';
import { applyTransition } from './transitions.js';
import type { ListingRow } from './views.js';

/**
 * What the interests module (合作意向) needs of a listing beyond its public view: the owner and
 * status to check against, a lock while a step depends on the listing, the contact persons as
 * entered (interests masks them until an interest is accepted) and the NDA for the interested
 * organisation. Kept here so no other module reads or writes catalog_listings.
 */
export interface ListingContact {
  name: string;
  phone?: string;
  email?: string;
}

export interface ListingForInterest {
  id: string;
  kind: ListingKind;
  organisationId: string;
  title: string;
  status: string;
  /** The listing has a confidential part, so taking it further needs the NDA. */
  hasConfidential: boolean;
  /** Unmasked: personal data the caller must mask before showing it to anyone not entitled. */
  contacts: ListingContact[];
}

const forInterest = (row: ListingRow): ListingForInterest => ({
  id: row.id,
  kind: row.kind as ListingKind,
  organisationId: row.organisationId,
  title: row.title,
  status: row.status,
  hasConfidential: row.confidential !== null,
  contacts: ((row.content as { contacts?: ListingContact[] }).contacts ?? []).map((c) => ({ ...c })),
});

async function selectListing(db: DbOrTx, kind: ListingKind, id: string, lock: boolean) {
  const q = db
    .select()
    .from(catalogListings)
    .where(and(eq(catalogListings.id, id), eq(catalogListings.kind, kind)));
  const [row] = lock ? await q.for('update') : await q;
  return row;
}

/** A listing of any status (the caller decides what a non-public one means), optionally locked. */
export async function findListingForInterest(
  db: DbOrTx,
  kind: ListingKind,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<ListingForInterest | undefined> {
  const row = await selectListing(db, kind, id, !!opts.lock);
  return row ? forInterest(row) : undefined;
}

/**
 * An interest moves to negotiation: a published achievement shows as 在洽谈 through the
 * catalog's own transition (audited, change feed), under a row lock in the caller's transaction.
 * Missing, or not published (e.g. already in negotiation with another party): unchanged, false.
 */
export async function markAchievementInNegotiation(
  tx: Tx,
  achievementId: string,
  actor: Actor,
  requestId?: string,
): Promise<boolean> {
  const row = await selectListing(tx, 'achievement', achievementId, true);
  if (row?.status !== 'published') return false;
  await applyTransition(tx, row, { action: 'negotiate' }, actor, requestId);
  return true;
}

/**
 * Record the NDA for an interested organisation in the caller's transaction, through the
 * catalog's own acceptance (policy, audit): whoever expressed the interest accepted the NDA terms
 * with it, so the acceptance is made in their name once the owner accepts the interest.
 */
export async function acceptNdaForInterest(
  tx: Tx,
  cursors: CursorCodec,
  achievementId: string,
  by: { kind: 'user' | 'client'; id: string; organisationId: string },
  requestId?: string,
): Promise<void> {
  const principal: Principal = {
    kind: by.kind,
    id: by.id,
    organisationId: by.organisationId,
    orgVerified: true,
    roles: [],
    registrarSubCentres: [],
    scopes: new Set(),
  };
  // acceptNda opens its own transaction; on a transaction handle that is a savepoint.
  const deps = { db: tx as unknown as Db, outbox: { kick: () => undefined }, cursors };
  await acceptNda(deps, principal, 'achievement', achievementId, requestId);
}
