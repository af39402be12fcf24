import { and, asc, count, eq, gt, inArray, notInArray } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { PUBLIC_STATUSES } from './lifecycle.js';
import type { ListingKind } from './model.js';
import { catalogExperts, catalogInstitutions, catalogListings as l } from './schema.js';

/**
 * What the search index (matching's indexer and `techex reindex`) reads of the catalog beyond the
 * public listing views: a listing's status and version, the ids to drop from the index, and the
 * public directory entries — experts and service institutions without their contact details.
 */

/** A listing's status and content version, public or not (undefined: no such listing). */
export async function getListingState(
  db: DbOrTx,
  kind: ListingKind,
  id: string,
): Promise<{ status: string; version: number } | undefined> {
  const [row] = await db
    .select({ status: l.status, version: l.version })
    .from(l)
    .where(and(eq(l.id, id), eq(l.kind, kind)));
  return row;
}

/** `getListingState` of many listings at once (at most 1000 ids); absent ones do not exist. */
export async function getListingStates(
  db: DbOrTx,
  kind: ListingKind,
  ids: string[],
): Promise<Map<string, { status: string; version: number }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: l.id, status: l.status, version: l.version })
    .from(l)
    .where(and(inArray(l.id, ids.slice(0, 1000)), eq(l.kind, kind)));
  return new Map(rows.map((r) => [r.id, { status: r.status, version: r.version }]));
}

export async function countPublicListings(db: DbOrTx, kind: ListingKind): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(l)
    .where(and(eq(l.kind, kind), inArray(l.status, [...PUBLIC_STATUSES])));
  return row?.n ?? 0;
}

/** Ids of listings that are not public (drafts, withdrawn, expired…) in id order, a page at a time. */
export async function listHiddenListingIds(
  db: DbOrTx,
  kind: ListingKind,
  opts: { afterId?: string; limit: number },
): Promise<string[]> {
  const rows = await db
    .select({ id: l.id })
    .from(l)
    .where(
      and(
        eq(l.kind, kind),
        notInArray(l.status, [...PUBLIC_STATUSES]),
        opts.afterId ? gt(l.id, opts.afterId) : undefined,
      ),
    )
    .orderBy(asc(l.id))
    .limit(Math.min(opts.limit, 1000));
  return rows.map((r) => r.id);
}

export type DirectoryType = 'expert' | 'institution';

/** The public fields of an expert (专家) or a service institution (服务机构); never contacts. */
export type DirectoryEntry =
  | {
      type: 'expert';
      id: string;
      name: string;
      title: string | null;
      organisationId: string | null;
      fields: string[];
      expertise: string[];
      bio: string | null;
      updatedAt: string;
    }
  | {
      type: 'institution';
      id: string;
      organisationId: string;
      name: string;
      kinds: string[];
      regionCode: string | null;
      description: string | null;
      services: string[];
      updatedAt: string;
    };

const expertColumns = {
  id: catalogExperts.id,
  name: catalogExperts.name,
  title: catalogExperts.title,
  organisationId: catalogExperts.organisationId,
  fields: catalogExperts.fields,
  expertise: catalogExperts.expertise,
  bio: catalogExperts.bio,
  updatedAt: catalogExperts.updatedAt,
};
const institutionColumns = {
  id: catalogInstitutions.id,
  organisationId: catalogInstitutions.organisationId,
  name: catalogInstitutions.name,
  kinds: catalogInstitutions.kinds,
  regionCode: catalogInstitutions.regionCode,
  description: catalogInstitutions.description,
  services: catalogInstitutions.services,
  updatedAt: catalogInstitutions.updatedAt,
};

/** Directory entries in id order, a page at a time (`id` given: that one entry or none). */
export async function listDirectoryEntries(
  db: DbOrTx,
  type: DirectoryType,
  opts: { afterId?: string; id?: string; limit: number },
): Promise<DirectoryEntry[]> {
  const limit = Math.min(opts.limit, 1000);
  if (type === 'expert') {
    const t = catalogExperts;
    const rows = await db
      .select(expertColumns)
      .from(t)
      .where(and(opts.id ? eq(t.id, opts.id) : undefined, opts.afterId ? gt(t.id, opts.afterId) : undefined))
      .orderBy(asc(t.id))
      .limit(limit);
    return rows.map((r) => ({ type, ...r, updatedAt: r.updatedAt.toISOString() }));
  }
  const t = catalogInstitutions;
  const rows = await db
    .select(institutionColumns)
    .from(t)
    .where(and(opts.id ? eq(t.id, opts.id) : undefined, opts.afterId ? gt(t.id, opts.afterId) : undefined))
    .orderBy(asc(t.id))
    .limit(limit);
  return rows.map((r) => ({ type, ...r, updatedAt: r.updatedAt.toISOString() }));
}

/** The directory entries with these ids (at most 1000); absent ones no longer exist. */
export async function getDirectoryEntries(
  db: DbOrTx,
  type: DirectoryType,
  ids: string[],
): Promise<DirectoryEntry[]> {
  if (ids.length === 0) return [];
  const some = ids.slice(0, 1000);
  if (type === 'expert') {
    const rows = await db.select(expertColumns).from(catalogExperts).where(inArray(catalogExperts.id, some));
    return rows.map((r) => ({ type, ...r, updatedAt: r.updatedAt.toISOString() }));
  }
  const rows = await db
    .select(institutionColumns)
    .from(catalogInstitutions)
    .where(inArray(catalogInstitutions.id, some));
  return rows.map((r) => ({ type, ...r, updatedAt: r.updatedAt.toISOString() }));
}

export async function getDirectoryEntry(
  db: DbOrTx,
  type: DirectoryType,
  id: string,
): Promise<DirectoryEntry | undefined> {
  return (await listDirectoryEntries(db, type, { id, limit: 1 }))[0];
}

export async function countDirectoryEntries(db: DbOrTx, type: DirectoryType): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(type === 'expert' ? catalogExperts : catalogInstitutions);
  return row?.n ?? 0;
}
