import type { Actor } from '../../platform/audit.js';
import type { DbOrTx, Tx } from '../../platform/db.js';
import type { CursorCodec } from '../../platform/pagination.js';
import {
  acceptNdaForInterest,
  findListingForInterest,
  isPublic,
  type ListingForInterest,
  markAchievementInNegotiation,
} from '../catalog/index.js';
import { findContract } from '../contracts/index.js';
import { findOrganisation } from '../identity/index.js';
import type { Contact } from './contacts.js';

/**
 * What interests need of other modules, in one place, through their public files only: every
 * read and write of a listing goes through the catalog's service (which keeps its own lock,
 * transition, audit and NDA rules).
 */
export type AchievementRow = ListingForInterest;

/** Listing statuses that still take interests: published, or already in negotiation with others. */
export const OPEN_LISTING_STATUSES = ['published', 'in_negotiation'];

export const findListing = (
  db: DbOrTx,
  kind: 'achievement' | 'need',
  id: string,
  opts: { lock?: boolean } = {},
): Promise<AchievementRow | undefined> => findListingForInterest(db, kind, id, opts);

export const isPublicListing = (row: AchievementRow) => isPublic(row.status);

export const contactsOf = (row: AchievementRow): Contact[] => row.contacts;

/**
 * Interest moves to negotiation: a published achievement shows as 在洽谈 through the catalog's
 * own transition (audited, change feed). Already in negotiation (another interest): unchanged.
 */
export const markListingInNegotiation = (
  tx: Tx,
  achievementId: string,
  actor: Actor,
  requestId?: string,
): Promise<boolean> => markAchievementInNegotiation(tx, achievementId, actor, requestId);

/**
 * Record the catalog NDA for the interested organisation, in the caller's transaction: the
 * person who expressed the interest accepted the NDA terms with it, so it is made in their name.
 */
export const recordNdaFor = (
  tx: Tx,
  cursors: CursorCodec,
  achievementId: string,
  by: { kind: 'user' | 'client'; id: string; organisationId: string },
  requestId?: string,
): Promise<void> => acceptNdaForInterest(tx, cursors, achievementId, by, requestId);

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
