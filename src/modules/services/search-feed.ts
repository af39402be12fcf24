/**
 * How published service offerings reach the search and matching engine (issue 16: offerings are
 * found and matched like listings). The services module owns its offerings and never writes the
 * index: every change that can make an offering appear, change or disappear enqueues
 * `services.offering-changed` in the writer's own transaction, and the matching module's indexer
 * reads the offering's public state back through `getPublicOfferings` (this module's public face),
 * as it does for the catalog's listings and directory.
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { enqueueInTx } from '../../platform/outbox.js';
import { SERVICE_KINDS, type ServiceKind } from './kinds.js';
import { organisationOf } from './ports.js';
import { serviceOfferings as o } from './schema.js';

export const OFFERING_CHANGED_QUEUE = 'services.offering-changed';

declare module '../../platform/queue.js' {
  interface QueueRegistry {
    /** An offering was published, edited or withdrawn: the search index re-reads it (matching consumes it). */
    [OFFERING_CHANGED_QUEUE]: { id: string };
  }
}

/** The offering's change hook, in the writer's transaction (job id: the outbox row's own). */
export const offeringChanged = (tx: DbOrTx, id: string) => enqueueInTx(tx, OFFERING_CHANGED_QUEUE, { id });

/**
 * What anyone may know of a published offering, and all the index may hold of it: no
 * qualification (licence numbers), no reject reason, no contact.
 */
export interface PublicOffering {
  id: string;
  kind: ServiceKind;
  /** zh-CN label of the kind (资产评估…) */
  kindLabel: string;
  title: string;
  description: string;
  fieldCodes: string[];
  /** regions served; empty = everywhere */
  regionCodes: string[];
  organisationId: string;
  /** the institution's name (its organisation is verified: only verified institutions offer) */
  institutionName: string | undefined;
  updatedAt: string;
}

/** The published offerings among `ids` (others — drafts, withdrawn, unknown — are absent). */
export async function getPublicOfferings(db: DbOrTx, ids: readonly string[]): Promise<PublicOffering[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(o)
    .where(and(inArray(o.id, [...ids]), eq(o.status, 'published')));
  const names = new Map<string, string | undefined>();
  for (const orgId of new Set(rows.map((r) => r.organisationId))) {
    const org = await organisationOf(db, orgId);
    names.set(orgId, org?.verificationStatus === 'verified' ? org.name : undefined);
  }
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    kindLabel: SERVICE_KINDS[r.kind] ?? r.kind,
    title: r.title,
    description: r.description,
    fieldCodes: r.fieldCodes,
    regionCodes: r.regionCodes,
    organisationId: r.organisationId,
    institutionName: names.get(r.organisationId),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

/** Ids of every offering in id order, whatever its state (a rebuild indexes or removes each). */
export async function listOfferingIds(
  db: DbOrTx,
  page: { afterId?: string; limit: number },
): Promise<string[]> {
  const rows = await db
    .select({ id: o.id })
    .from(o)
    .where(page.afterId ? gt(o.id, page.afterId) : undefined)
    .orderBy(asc(o.id))
    .limit(page.limit);
  return rows.map((r) => r.id);
}

export async function countPublishedOfferings(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(o).where(eq(o.status, 'published'));
  return row?.n ?? 0;
}
