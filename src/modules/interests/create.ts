import { actorOf } from '../../platform/audit.js';
import { check } from '../../platform/authz.js';
import { type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Principal } from '../../platform/principal.js';
import { type Contact, sealContact } from './contacts.js';
import { type InterestDeps, openInterestOf } from './deps.js';
import { findListing, isPublicListing, OPEN_LISTING_STATUSES } from './ports.js';
import { interests } from './schema.js';
import { recordStep } from './steps.js';
import type { InterestRow } from './views.js';

/** The match list an interest came from, and where in it (see `GET /v1/admin/matching/quality`). */
export interface InterestOrigin {
  kind: 'match';
  /** the need whose matches were shown (GET /v1/needs/{id}/matches) */
  needId?: string;
  /** the achievement whose matches were shown (GET /v1/achievements/{id}/matches) */
  achievementId?: string;
  /** 1-based, as the list's item said */
  rank: number;
  /** the list's `rankingVersion` */
  rankingVersion: string;
}

export interface CreateInterestInput {
  achievementId: string;
  needId?: string;
  message: string;
  contact: Contact;
  origin?: InterestOrigin;
}

/** The origin as stored: one list at most (neither: an ad-hoc query), which the caller may see. */
async function checkedOrigin(
  tx: DbOrTx,
  organisationId: string,
  origin: InterestOrigin | undefined,
): Promise<InterestOrigin | null> {
  if (!origin) return null;
  if (origin.needId && origin.achievementId)
    throw new ValidationError([
      {
        field: 'body/origin/achievementId',
        message: 'give needId or achievementId, not both',
        code: 'one-list',
      },
    ]);
  const kind = origin.needId ? 'need' : origin.achievementId ? 'achievement' : undefined;
  if (kind) {
    const listing = await findListing(tx, kind, (origin.needId ?? origin.achievementId)!);
    // a list the caller could not have seen is no origin (nor a way to probe for listings)
    if (!listing || !(isPublicListing(listing) || listing.organisationId === organisationId))
      throw new UnprocessableError('interest-origin-invalid');
  }
  const { kind: k, needId, achievementId, rank, rankingVersion } = origin;
  return {
    kind: k,
    ...(needId ? { needId } : {}),
    ...(achievementId ? { achievementId } : {}),
    rank,
    rankingVersion,
  };
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
      const origin = await checkedOrigin(tx, organisationId, input.origin);
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
          origin,
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
