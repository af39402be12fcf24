import { eq, sql } from 'drizzle-orm';
import { type Actor, recordAudit } from '../../platform/audit.js';
import type { DbOrTx } from '../../platform/db.js';
import { ValidationError } from '../../platform/errors.js';
import { recordChanges } from './changes.js';
import { type Action, nextStatus, publicChangeOf } from './lifecycle.js';
import { chinaToday, type ListingKind } from './model.js';
import { catalogListings, catalogListingVersions } from './schema.js';
import type { ListingRow } from './views.js';

/** A structured reason for returning or rejecting a listing (退回/驳回原因). */
export interface ReviewReason {
  code: string;
  field?: string;
  message?: string;
}
export const REASON_CODES = [
  'incomplete',
  'inaccurate',
  'ip-unverified',
  'price-unclear',
  'confidential-in-public',
  'duplicate',
  'not-technology',
  'other',
] as const;

export interface TransitionInput {
  action: Action;
  reasons?: ReviewReason[];
  comment?: string;
  validUntil?: string;
  mergedInto?: string;
}

/**
 * Apply one lifecycle action to a locked row, in the caller's transaction: new status, review
 * record, audit event and, when the public sees a difference, a change-feed entry and its job.
 */
export async function applyTransition(
  tx: DbOrTx,
  row: ListingRow,
  input: TransitionInput,
  actor: Actor,
  requestId?: string,
): Promise<ListingRow> {
  const to = nextStatus(row.status, input.action);
  if ((input.action === 'return' || input.action === 'reject') && !input.reasons?.length)
    throw new ValidationError([{ field: 'body/reasons', code: 'required', message: 'reasons required' }]);
  if (input.action === 'renew' && !(input.validUntil && input.validUntil > today()))
    throw new ValidationError([
      { field: 'body/validUntil', code: 'future', message: 'a future date is required' },
    ]);
  // Approval publishes: a listing whose validity ran out while it waited is returned, not published.
  if (input.action === 'approve' && row.validUntil && row.validUntil < today())
    throw new ValidationError([
      {
        field: 'validUntil',
        code: 'past',
        message: `validUntil ${row.validUntil} has passed: return the listing for a new date`,
      },
    ]);
  const review =
    input.action === 'approve' || input.action === 'return' || input.action === 'reject'
      ? {
          decision: input.action,
          reasons: input.reasons ?? [],
          comment: input.comment ?? null,
          reviewerId: actor.id ?? null,
          decidedAt: new Date().toISOString(),
        }
      : undefined;
  const publishing = to === 'published' && row.status !== 'in_negotiation';
  const [updated] = await tx
    .update(catalogListings)
    .set({
      status: to,
      updatedAt: sql`now()`,
      ...(review ? { review } : {}),
      ...(publishing ? { publishedAt: sql`now()` } : {}),
      // The new date in the content too, so the listing shows it (its content hash stays that
      // of the input as last posted, so re-posting that input is still "unchanged").
      ...(input.action === 'renew'
        ? {
            validUntil: input.validUntil,
            content: sql`jsonb_set(${catalogListings.content}, '{validUntil}', to_jsonb(${input.validUntil}::text))`,
          }
        : {}),
      ...(input.mergedInto ? { mergedInto: input.mergedInto } : {}),
    })
    .where(eq(catalogListings.id, row.id))
    .returning();
  await recordAudit(tx, {
    actor,
    action: input.mergedInto ? `${row.kind}.merged` : `${row.kind}.${input.action}`,
    objectType: row.kind,
    objectId: row.id,
    before: { status: row.status },
    after: {
      status: to,
      ...(review ? { review } : {}),
      ...(input.mergedInto ? { mergedInto: input.mergedInto } : {}),
    },
    requestId,
  });
  const change = publicChangeOf(row.status, to);
  if (change)
    await recordChanges(tx, [
      { kind: row.kind as ListingKind, listingId: row.id, change, version: row.version, status: to },
    ]);
  return updated!;
}

/** Keep the content being replaced (editing a published listing keeps its history). */
export async function saveVersion(tx: DbOrTx, row: ListingRow, replacedBy: Actor): Promise<void> {
  await tx.insert(catalogListingVersions).values({
    listingId: row.id,
    version: row.version,
    snapshot: {
      status: row.status,
      content: row.content,
      confidential: row.confidential,
      contentHash: row.contentHash,
      updatedAt: row.updatedAt.toISOString(),
    },
    replacedBy: `${replacedBy.type}:${replacedBy.id ?? ''}`,
  });
}

/** Today on the exchange's calendar (China, UTC+8, no daylight saving): validity dates are China days. */
export const today = chinaToday;
