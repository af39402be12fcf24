import { eq, sql } from 'drizzle-orm';
import { actorOf } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import type { Tx } from '../../platform/db.js';
import { ConflictError, InvalidTransitionError, UnprocessableError } from '../../platform/errors.js';
import type { Principal } from '../../platform/principal.js';
import { requireReason } from '../../platform/reasons.js';
import { findInterest, type InterestDeps } from './deps.js';
import { type Action, type DeclineCode, LINK_CONTRACT, nextStatus } from './lifecycle.js';
import {
  findListing,
  isPublicListing,
  markListingInNegotiation,
  organisationFacts,
  recordNdaFor,
  registeredContract,
} from './ports.js';
import { interests } from './schema.js';
import { recordStep } from './steps.js';
import type { InterestRow } from './views.js';

export interface StepInput {
  reason?: { code: DeclineCode; text?: string };
  note?: string;
}

/** One step of the lifecycle, in one transaction: authorise, lock, check the state, apply. */
export async function takeStep(
  deps: InterestDeps,
  p: Principal | undefined,
  id: string,
  action: Action,
  input: StepInput,
  requestId?: string,
): Promise<InterestRow> {
  const row = await deps.db.transaction(async (tx) => {
    const current = await findInterest(tx, id, { lock: true });
    authorize(p, 'interest.act', { ...current, action });
    const to = nextStatus(current.status, action);
    const data: Record<string, unknown> = input.note ? { note: input.note } : {};
    const set: Partial<typeof interests.$inferInsert> = { status: to };
    if (action === 'decline') {
      const reason = requireReason(input.reason);
      set.declineReason = reason;
      data.reason = reason;
    }
    if (action === 'accept') {
      Object.assign(data, await onAccept(deps, tx, current, requestId));
      set.acceptedAt = new Date();
    }
    if (action === 'negotiate') {
      data.listingInNegotiation = await markListingInNegotiation(
        tx,
        current.achievementId,
        actorOf(p),
        requestId,
      );
    }
    const [updated] = await tx
      .update(interests)
      .set({ ...set, updatedAt: sql`now()` })
      .where(eq(interests.id, id))
      .returning();
    await recordStep(tx, action, updated!, current.status, actorOf(p), data, requestId);
    return updated!;
  });
  deps.outbox.kick();
  return row;
}

/**
 * Acceptance releases contacts and, where the achievement has a confidential part, records the
 * NDA for the interested organisation. Both need the listing still public and the interested
 * organisation still verified.
 */
async function onAccept(deps: InterestDeps, tx: Tx, current: InterestRow, requestId?: string) {
  const listing = await findListing(tx, 'achievement', current.achievementId, { lock: true });
  if (!listing || !isPublicListing(listing))
    throw new ConflictError('interest-listing-not-open', { status: listing?.status ?? 'missing' });
  if (!(await organisationFacts(tx, current.interestedOrganisationId)).verified)
    throw new ConflictError('interest-counterparty-unverified');
  const confidential = listing.hasConfidential;
  if (confidential)
    await recordNdaFor(
      tx,
      deps.cursors,
      listing.id,
      {
        kind: current.createdByKind === 'client' ? 'client' : 'user',
        id: current.createdBy,
        organisationId: current.interestedOrganisationId,
      },
      requestId,
    );
  return { contactsReleased: true, ndaRecorded: confidential };
}

/** Link the registered technology contract the deal was concluded with (once). */
export async function linkContract(
  deps: InterestDeps,
  p: Principal | undefined,
  id: string,
  contractId: string,
  requestId?: string,
): Promise<InterestRow> {
  const row = await deps.db.transaction(async (tx) => {
    const current = await findInterest(tx, id, { lock: true });
    authorize(p, 'interest.act', { ...current, action: 'link-contract' });
    if (!(LINK_CONTRACT.from as readonly string[]).includes(current.status))
      throw new InvalidTransitionError(current.status, 'link-contract');
    if (current.contractId === contractId) return current;
    if (current.contractId) throw new ConflictError('interest-contract-already-linked');
    const contract = await registeredContract(tx, contractId);
    if (!contract) throw new UnprocessableError('interest-contract-not-registered');
    const [owner, interested] = await Promise.all([
      organisationFacts(tx, current.ownerOrganisationId),
      organisationFacts(tx, current.interestedOrganisationId),
    ]);
    const parties = new Set(contract.partyCodes);
    const ours = [owner.creditCode, interested.creditCode];
    if (ours.some((c) => !c || !parties.has(c)) || parties.size !== 2)
      throw new UnprocessableError('interest-contract-parties');
    const [updated] = await tx
      .update(interests)
      .set({ contractId, updatedAt: sql`now()` })
      .where(eq(interests.id, id))
      .returning();
    const data = { contractId, registrationNumber: contract.registrationNumber };
    await recordStep(tx, 'link-contract', updated!, current.status, actorOf(p), data, requestId);
    return updated!;
  });
  deps.outbox.kick();
  return row;
}
