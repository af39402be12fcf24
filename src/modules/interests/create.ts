import { actorOf } from '../../platform/audit.js';
import { check } from '../../platform/authz.js';
import { isUniqueViolation } from '../../platform/db.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnprocessableError,
} from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Principal } from '../../platform/principal.js';
import { type Contact, sealContact } from './contacts.js';
import { type InterestDeps, openInterestOf } from './deps.js';
import { findListing, isPublicListing, OPEN_LISTING_STATUSES } from './ports.js';
import { interests } from './schema.js';
import { recordStep } from './steps.js';
import type { InterestRow } from './views.js';

export interface CreateInterestInput {
  achievementId: string;
  needId?: string;
  message: string;
  contact: Contact;
}

const alreadyOpen = (existing: InterestRow) =>
  new ConflictError(
    'interest-already-open',
    { existingInterestId: existing.id },
    { existingInterestId: existing.id, existingInterest: `/v1/interests/${existing.id}` },
  );

/** An organisation expresses interest in a published achievement (表达合作意向). */
export async function createInterest(
  deps: InterestDeps,
  p: Principal | undefined,
  input: CreateInterestInput,
  requestId?: string,
): Promise<InterestRow> {
  if (!p) throw new UnauthorizedError();
  const organisationId = p.organisationId;
  if (!organisationId) throw new UnprocessableError('interest-organisation-required');
  if (check(p, 'interest.create', null) !== 'allow')
    throw new ForbiddenError('interest-organisation-unverified');
  try {
    const row = await deps.db.transaction(async (tx) => {
      const achievement = await findListing(tx, 'achievement', input.achievementId);
      // A listing the public cannot see does not exist for an interested party.
      if (!achievement || !isPublicListing(achievement))
        throw new NotFoundError('interest-achievement-not-found');
      if (achievement.organisationId === organisationId)
        throw new UnprocessableError('interest-own-achievement');
      if (!OPEN_LISTING_STATUSES.includes(achievement.status))
        throw new ConflictError('interest-listing-not-open', { status: achievement.status });
      if (input.needId) {
        const need = await findListing(tx, 'need', input.needId);
        if (need?.organisationId !== organisationId) throw new UnprocessableError('interest-need-invalid');
      }
      const existing = await openInterestOf(tx, organisationId, achievement.id);
      if (existing) throw alreadyOpen(existing);
      const id = newId();
      const [created] = await tx
        .insert(interests)
        .values({
          id,
          achievementId: achievement.id,
          ownerOrganisationId: achievement.organisationId,
          achievementTitle: achievement.title,
          interestedOrganisationId: organisationId,
          needId: input.needId ?? null,
          message: input.message,
          contact: sealContact(deps.contactKey, id, input.contact),
          status: 'pending',
          createdBy: p.id,
          createdByKind: p.kind,
        })
        .returning();
      const data = { needId: created!.needId, hasConfidential: achievement.hasConfidential };
      await recordStep(tx, 'created', created!, null, actorOf(p), data, requestId);
      return created!;
    });
    deps.outbox.kick();
    return row;
  } catch (err) {
    // Two concurrent requests: the partial unique index lets one through; point at it.
    if (isUniqueViolation(err)) {
      const existing = await openInterestOf(deps.db, organisationId, input.achievementId);
      if (existing) throw alreadyOpen(existing);
    }
    throw err;
  }
}
