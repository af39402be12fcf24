import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../platform/audit.js';
import type { Db, DbOrTx, Tx } from '../../platform/db.js';
import type { CursorCodec } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { isPublic } from '../catalog/lifecycle.js';
import { acceptNda } from '../catalog/listings.js';
import { catalogListings } from '../catalog/schema.js';
import { applyTransition } from '../catalog/transitions.js';
import type { ListingRow } from '../catalog/views.js';
import { findContract } from '../contracts/repository.js';
import { findOrganisation } from '../identity/repository.js';
import type { Contact } from './contacts.js';

/**
 * What interests need of other modules, in one place. The catalog's service exposes public
 * views only; a locked row for its own transition function, the unmasked contacts and the NDA
 * need more, so this reads catalog_listings directly (read-only: every write goes through the
 * catalog's own `applyTransition` and `acceptNda`). Noted for the catalog's owner: these
 * belong in catalog/service.ts.
 */
export type AchievementRow = ListingRow;

/** Listing statuses that still take interests: published, or already in negotiation with others. */
export const OPEN_LISTING_STATUSES = ['published', 'in_negotiation'];

export async function findListing(
  db: DbOrTx,
  kind: 'achievement' | 'need',
  id: string,
  opts: { lock?: boolean } = {},
): Promise<AchievementRow | undefined> {
  const q = db
    .select()
    .from(catalogListings)
    .where(and(eq(catalogListings.id, id), eq(catalogListings.kind, kind)));
  const [row] = opts.lock ? await q.for('update') : await q;
  return row;
}

export const isPublicListing = (row: AchievementRow) => isPublic(row.status);

export function contactsOf(row: AchievementRow): Contact[] {
  return ((row.content as { contacts?: Contact[] }).contacts ?? []).map((c) => ({ ...c }));
}

/**
 * Interest moves to negotiation: a published achievement shows as 在洽谈 through the catalog's
 * own transition (audited, change feed). Already in negotiation (another interest): unchanged.
 */
export async function markListingInNegotiation(
  tx: Tx,
  row: AchievementRow,
  actor: Actor,
  requestId?: string,
): Promise<boolean> {
  if (row.status !== 'published') return false;
  await applyTransition(tx, row, { action: 'negotiate' }, actor, requestId);
  return true;
}

/**
 * Record the catalog NDA for the interested organisation, in the caller's transaction (a
 * savepoint), through the catalog's own acceptance: the person who expressed the interest
 * accepted the NDA terms with it, so the acceptance is made in their name.
 */
export async function recordNdaFor(
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

export async function organisationFacts(
  db: DbOrTx,
  id: string,
): Promise<{ verified: boolean; creditCode: string | null }> {
  const org = await findOrganisation(db, id);
  return { verified: org?.verificationStatus === 'verified', creditCode: org?.creditCode ?? null };
}

/** A registered contract's parties by credit code, or undefined when it is not registered. */
export async function registeredContract(
  db: DbOrTx,
  id: string,
): Promise<{ registrationNumber: string | null; partyCodes: (string | null)[] } | undefined> {
  const c = await findContract(db, id);
  if (c?.status !== 'registered') return undefined;
  const code = (p: unknown) => (p as { creditCode?: string | null }).creditCode ?? null;
  return { registrationNumber: c.registrationNumber, partyCodes: [code(c.seller), code(c.buyer)] };
}
