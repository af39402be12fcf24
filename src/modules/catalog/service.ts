import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { PUBLIC_STATUSES } from './lifecycle.js';
import type { ListingKind } from './model.js';
import { catalogListingVersions, catalogListings as l } from './schema.js';
import { type ListingRow, toView } from './views.js';

/**
 * What other modules (matching's indexer, integration) use of the catalog: public views only,
 * never the confidential part. A `catalog.changed` job names a listing; read it here.
 */
export { type ChangeRecord, type FeedItem, readChanges } from './changes.js';
/** For the interests module: a listing's owner, status and contacts, its negotiation and NDA. */
export {
  acceptNdaForInterest,
  findListingForInterest,
  type ListingContact,
  type ListingForInterest,
  markAchievementInNegotiation,
} from './for-interests.js';
export { isPublic, PUBLIC_STATUSES, type PublicChange } from './lifecycle.js';
/** For the search index: listing states, ids to drop, public directory entries. */
export * from './search-feed.js';
export type { ListingKind };
/**
 * A public view as other modules read it (matching's projection reads it member by member, checking
 * each): the contract's `Achievement` or `Need` (views.ts), seen as a plain record.
 */
export type ListingView = Readonly<Record<string, unknown>>;

/** The public view of a listing, or undefined when it does not exist or is not public. */
export async function getPublicListing(
  db: DbOrTx,
  kind: ListingKind,
  id: string,
): Promise<ListingView | undefined> {
  const [row] = await db
    .select()
    .from(l)
    .where(and(eq(l.id, id), eq(l.kind, kind), inArray(l.status, [...PUBLIC_STATUSES])));
  return row ? publicView(row) : undefined;
}

/** Every public listing of a kind in id order, a page at a time (for a full re-index). */
export async function listPublicListings(
  db: DbOrTx,
  kind: ListingKind,
  opts: { afterId?: string; limit: number },
): Promise<ListingView[]> {
  const rows = await db
    .select()
    .from(l)
    .where(
      and(
        eq(l.kind, kind),
        inArray(l.status, [...PUBLIC_STATUSES]),
        opts.afterId ? gt(l.id, opts.afterId) : undefined,
      ),
    )
    .orderBy(asc(l.id))
    .limit(Math.min(opts.limit, 1000));
  return rows.map(publicView);
}

/** The public views of these listings (at most 1000 ids); absent ones are not public or do not exist. */
export async function getPublicListings(
  db: DbOrTx,
  kind: ListingKind,
  ids: string[],
): Promise<ListingView[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(l)
    .where(and(inArray(l.id, ids.slice(0, 1000)), eq(l.kind, kind), inArray(l.status, [...PUBLIC_STATUSES])));
  return rows.map(publicView);
}

const publicView = (row: ListingRow) => toView(row, { confidential: false });

/**
 * The public view of one content version of a listing that is public now: the current content, or
 * an earlier version's from its history (catalog_listing_versions keeps what each edit of a
 * published listing replaced). Undefined when the listing is not public or has no such version.
 * Status, owner and dates other than `updatedAt` are the listing's current ones.
 */
export async function getPublicListingVersion(
  db: DbOrTx,
  kind: ListingKind,
  id: string,
  version: number,
): Promise<ListingView | undefined> {
  const [row] = await db
    .select()
    .from(l)
    .where(and(eq(l.id, id), eq(l.kind, kind), inArray(l.status, [...PUBLIC_STATUSES])));
  if (!row) return undefined;
  if (row.version === version) return publicView(row);
  const [old] = await db
    .select()
    .from(catalogListingVersions)
    .where(and(eq(catalogListingVersions.listingId, id), eq(catalogListingVersions.version, version)));
  if (!old) return undefined;
  const snap = old.snapshot as { content: unknown; confidential: unknown; updatedAt: string };
  return publicView({
    ...row,
    content: snap.content,
    confidential: snap.confidential,
    version,
    updatedAt: new Date(snap.updatedAt),
  } as ListingRow);
}
