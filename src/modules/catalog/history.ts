import canonicalize from 'canonicalize';
import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Actor } from '../../platform/audit.js';
import { check } from '../../platform/authz.js';
import { NotFoundError } from '../../platform/errors.js';
import type { Handlers } from '../../platform/http/operations.js';
import { clampLimit, type Page } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { auditEvents } from '../../platform/schema.js';
import { maskContact } from '../identity/index.js';
import type { CatalogDeps } from './listings.js';
import type { ListingKind } from './model.js';
import { catalogListings, catalogListingVersions, catalogNdas } from './schema.js';

/**
 * A listing's version history (GET /v1/{achievements|needs}/{id}/versions): its versions since
 * it was first published, newest first. The current version comes from the listing itself, the
 * earlier ones from catalog_listing_versions (saveVersion keeps the content an edit of a
 * published listing replaced); when and by whom each was made comes from the audit trail
 * (`<kind>.created` / `<kind>.updated` with its version number).
 */
export interface ListingVersion {
  version: number;
  current: boolean;
  /** When this version's content was written (null when the trail has no record of it). */
  createdAt: string | null;
  /** Who wrote it: the kind of actor only (user, client, system), never who. */
  actorType: Actor['type'] | null;
  /** Top-level fields that differ from the previous version; null for the first published one. */
  changedFields: string[] | null;
  content: Record<string, unknown>;
  confidential?: Record<string, unknown>;
}

interface Raw {
  version: number;
  content: Record<string, unknown>;
  /** A JSON object (the validated input's confidential part, splitInput) or null. */
  confidential: Record<string, unknown> | null;
}

type Contact = { name: string; phone?: string; email?: string };

/** Public content as GET by id shows it to the same caller: contacts masked without the right. */
function shown(raw: Raw, confidential: boolean): Pick<ListingVersion, 'content' | 'confidential'> {
  const contacts = (raw.content.contacts ?? []) as Contact[];
  const content = {
    ...raw.content,
    contacts: confidential ? contacts : contacts.map(maskContact),
  };
  return confidential && raw.confidential !== null
    ? { content, confidential: raw.confidential }
    : { content };
}

/** Names of the top-level fields that differ (the confidential part counts as one field). */
export function changedFields(prev: Raw, next: Raw): string[] {
  const keys = new Set([...Object.keys(prev.content), ...Object.keys(next.content)]);
  const same = (a: unknown, b: unknown) => canonicalize(a ?? null) === canonicalize(b ?? null);
  const out = [...keys].filter((k) => !same(prev.content[k], next.content[k])).sort();
  if (!same(prev.confidential, next.confidential)) out.push('confidential');
  return out;
}

const LIST = 'catalog.versions';

export async function listVersions(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  id: string,
  q: { cursor?: string; limit?: number },
): Promise<Page<ListingVersion>> {
  const org = p?.organisationId ?? null;
  const [hit] = await deps.db
    .select({ row: catalogListings, nda: catalogNdas.organisationId })
    .from(catalogListings)
    .leftJoin(
      catalogNdas,
      and(eq(catalogNdas.listingId, catalogListings.id), eq(catalogNdas.organisationId, sql`${org}::uuid`)),
    )
    .where(and(eq(catalogListings.id, id), eq(catalogListings.kind, kind)));
  // The same rule as GET by id: a listing the caller may not see does not exist for them.
  if (!hit || check(p, 'listing.read', hit.row) !== 'allow') throw new NotFoundError();
  const row = hit.row;
  const confidential =
    check(p, 'listing.confidential', { ...row, ndaAccepted: hit.nda !== null }) === 'allow';
  // Only what was published has a public history.
  if (!row.publishedAt) return { items: [], nextCursor: null };

  const limit = clampLimit(q.limit);
  const after = deps.cursors.decode(`${LIST}.${id}`, q.cursor);
  const before = after ? Number(after[0]) : Number.POSITIVE_INFINITY;
  // One more than the page to know whether more exist, and one more again to diff the last one.
  const raws: Raw[] = [];
  if (row.version < before)
    raws.push({
      version: row.version,
      content: row.content as Record<string, unknown>,
      confidential: row.confidential as Record<string, unknown> | null,
    });
  const saved = await deps.db
    .select()
    .from(catalogListingVersions)
    .where(
      and(
        eq(catalogListingVersions.listingId, id),
        lt(catalogListingVersions.version, Math.min(before, row.version)),
      ),
    )
    .orderBy(desc(catalogListingVersions.version))
    .limit(limit + 2 - raws.length);
  for (const v of saved) {
    const s = v.snapshot as {
      content: Record<string, unknown>;
      confidential?: Record<string, unknown> | null;
    };
    raws.push({ version: v.version, content: s.content, confidential: s.confidential ?? null });
  }
  const page = raws.slice(0, limit);
  const made = await authorship(deps, kind, id, page);
  const items = page.map((raw, k): ListingVersion => {
    const prev = raws[k + 1];
    const who = made.get(raw.version);
    return {
      version: raw.version,
      current: raw.version === row.version,
      createdAt: who?.at ?? null,
      actorType: who?.actorType ?? null,
      changedFields: prev && prev.version === raw.version - 1 ? changedFields(prev, raw) : null,
      ...shown(raw, confidential),
    };
  });
  const more = raws.length > limit;
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: more && last ? deps.cursors.encode(`${LIST}.${id}`, [last.version]) : null,
  };
}

/** When and by what kind of actor each version of the page was written, from the audit trail. */
async function authorship(
  deps: CatalogDeps,
  kind: ListingKind,
  id: string,
  page: Raw[],
): Promise<Map<number, { at: string; actorType: Actor['type'] }>> {
  const out = new Map<number, { at: string; actorType: Actor['type'] }>();
  if (!page.length) return out;
  const versions = page.map((r) => r.version);
  const rows = await deps.db
    .select({
      action: auditEvents.action,
      version: sql<number | null>`(${auditEvents.after}->>'version')::int`,
      at: auditEvents.occurredAt,
      actorType: auditEvents.actorType,
    })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.objectType, kind),
        eq(auditEvents.objectId, id),
        or(
          versions.includes(1) ? eq(auditEvents.action, `${kind}.created`) : undefined,
          and(
            eq(auditEvents.action, `${kind}.updated`),
            inArray(sql`(${auditEvents.after}->>'version')::int`, versions),
          ),
        ),
      ),
    );
  for (const r of rows) {
    const version = r.action === `${kind}.created` ? 1 : r.version;
    // recordAudit (platform/audit.ts) stores an Actor's `type` in actor_type.
    if (version !== null)
      out.set(version, { at: r.at.toISOString(), actorType: r.actorType as Actor['type'] });
  }
  return out;
}

/** The history operations, bound by routes.ts. */
export function versionHandlers(deps: CatalogDeps): Handlers {
  return {
    listAchievementVersions: (req) =>
      listVersions(deps, req.principal, 'achievement', req.params.id, req.query),
    listNeedVersions: (req) => listVersions(deps, req.principal, 'need', req.params.id, req.query),
  };
}
