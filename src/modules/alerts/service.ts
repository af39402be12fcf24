import { and, count, desc, eq, lt, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { check } from '../../platform/authz.js';
import type { Db } from '../../platform/db.js';
import {
  ConflictError,
  type FieldError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '../../platform/errors.js';
import type { Schema } from '../../platform/http/operations.js';
import { newId } from '../../platform/ids.js';
import { type CursorCodec, pageByIdDesc } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import type { SearchFilters } from '../matching/index.js';
import { type SavedSearchType, savedSearchAlerts, savedSearches } from './schema.js';

/** Saved searches per person: each one costs an engine query for every listing change it may match. */
export const MAX_SAVED_SEARCHES_PER_USER = 50;

/** The structured part, named as the engine's `SearchFilters` (GET /v1/search: field, region, mode, priceMin…). */
export interface SavedSearchFilters {
  fieldCodes?: string[];
  regionCodes?: string[];
  trlMin?: number;
  trlMax?: number;
  transferModes?: string[];
  priceMinFen?: number;
  priceMaxFen?: number;
  includeNegotiable?: boolean;
}

export interface SavedSearchInput {
  name: string;
  type: SavedSearchType;
  q?: string;
  filters?: SavedSearchFilters;
  notify?: { inbox?: boolean; webhook?: boolean };
}
export type SavedSearchPatch = Partial<Omit<SavedSearchInput, 'type'>>;

type Row = typeof savedSearches.$inferSelect;

/** The engine filters a saved search stands for (statuses default to published). */
export function filtersOf(r: Row): SearchFilters {
  const f: SearchFilters = {};
  if (r.fieldCodes.length) f.fieldCodes = r.fieldCodes;
  if (r.regionCodes.length) f.regionCodes = r.regionCodes;
  if (r.trlMin !== null) f.trlMin = r.trlMin;
  if (r.trlMax !== null) f.trlMax = r.trlMax;
  if (r.transferModes.length) f.transferModes = r.transferModes;
  if (r.priceMinFen !== null) f.priceMinFen = r.priceMinFen;
  if (r.priceMaxFen !== null) f.priceMaxFen = r.priceMaxFen;
  if (r.priceMinFen !== null || r.priceMaxFen !== null) f.includeNegotiable = r.includeNegotiable;
  return f;
}

export function savedSearchView(r: Row): Schema<'SavedSearch'> {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    q: r.q,
    // The codes and modes were checked against the contract's enums when the search was saved.
    filters: filtersOf(r) as Schema<'SavedSearchFilters'>,
    notify: { inbox: true, webhook: r.notifyWebhook },
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const alertView = (a: typeof savedSearchAlerts.$inferSelect): Schema<'SavedSearchAlert'> => ({
  id: a.id,
  savedSearchId: a.savedSearchId,
  listingType: a.listingType,
  listingId: a.listingId,
  version: a.version,
  // The matcher alerts on these two public changes only.
  change: a.change as Schema<'SavedSearchAlert'>['change'],
  title: a.title,
  createdAt: a.createdAt.toISOString(),
});

/** Columns from the request, refusing what cannot match anything or would alert on every listing. */
function columnsOf(organisationId: string | null | undefined, input: Omit<SavedSearchInput, 'type'>) {
  const f = input.filters ?? {};
  const q = (input.q ?? '').trim();
  const errors: FieldError[] = [];
  if (f.trlMin !== undefined && f.trlMax !== undefined && f.trlMin > f.trlMax)
    errors.push({ field: 'body/filters/trlMin', message: 'must not exceed trlMax', code: 'range' });
  if (f.priceMinFen !== undefined && f.priceMaxFen !== undefined && f.priceMinFen > f.priceMaxFen)
    errors.push({ field: 'body/filters/priceMinFen', message: 'must not exceed priceMaxFen', code: 'range' });
  const anyFilter =
    !!f.fieldCodes?.length ||
    !!f.regionCodes?.length ||
    !!f.transferModes?.length ||
    [f.trlMin, f.trlMax, f.priceMinFen, f.priceMaxFen].some((v) => v !== undefined);
  if (!q && !anyFilter)
    errors.push({ field: 'body/q', message: 'give a query or at least one filter', code: 'empty' });
  if (input.notify?.webhook && !organisationId)
    errors.push({ field: 'body/notify/webhook', message: 'needs an organisation', code: 'organisation' });
  if (errors.length) throw new UnprocessableError('saved-search-invalid', {}, errors);
  return {
    name: input.name.trim(),
    q,
    fieldCodes: [...new Set(f.fieldCodes ?? [])],
    regionCodes: [...new Set(f.regionCodes ?? [])],
    trlMin: f.trlMin ?? null,
    trlMax: f.trlMax ?? null,
    transferModes: [...new Set(f.transferModes ?? [])],
    priceMinFen: f.priceMinFen ?? null,
    priceMaxFen: f.priceMaxFen ?? null,
    includeNegotiable: f.includeNegotiable ?? true,
    notifyWebhook: input.notify?.webhook ?? false,
  };
}

/** Saved searches belong to a person (their inbox receives the alerts), not to a machine client. */
function person(p: Principal): Principal {
  if (p.kind !== 'user') throw new ForbiddenError('saved-search-person-only');
  return p;
}

export function createSavedSearchService(db: Db, cursors: CursorCodec) {
  async function load(p: Principal, id: string, action: 'saved-search.read' | 'saved-search.manage') {
    const [row] = await db.select().from(savedSearches).where(eq(savedSearches.id, id));
    // someone else's answers exactly like a missing one
    if (!row || check(p, action, row) !== 'allow') throw new NotFoundError('saved-search-not-found');
    return row;
  }

  return {
    async create(principal: Principal, input: SavedSearchInput, requestId?: string) {
      const p = person(principal);
      const columns = columnsOf(p.organisationId, input);
      return db.transaction(async (tx) => {
        // one person's creations in a row, so two at once cannot both take the last place
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`saved-searches:${p.id}`}, 0))`);
        const [{ n } = { n: 0 }] = await tx
          .select({ n: count() })
          .from(savedSearches)
          .where(eq(savedSearches.ownerUserId, p.id));
        if (n >= MAX_SAVED_SEARCHES_PER_USER)
          throw new ConflictError('saved-search-limit', { max: MAX_SAVED_SEARCHES_PER_USER });
        const [row] = await tx
          .insert(savedSearches)
          .values({
            id: newId(),
            ownerUserId: p.id,
            organisationId: p.organisationId ?? null,
            type: input.type,
            ...columns,
          })
          .returning();
        const after = savedSearchView(row!);
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'saved-search.create',
          objectType: 'saved_search',
          objectId: row!.id,
          after,
          requestId,
        });
        return after;
      });
    },

    async list(p: Principal, q: { cursor?: string; limit?: number }) {
      // a machine client owns none (it cannot create any)
      if (p.kind !== 'user') return { items: [], nextCursor: null };
      const mine = eq(savedSearches.ownerUserId, p.id);
      const page = await pageByIdDesc(
        cursors,
        `saved-searches:${p.id}`,
        q,
        (before, n) =>
          db
            .select()
            .from(savedSearches)
            .where(before ? and(mine, lt(savedSearches.id, before)) : mine)
            .orderBy(desc(savedSearches.id))
            .limit(n),
        (r) => r.id,
      );
      return { items: page.items.map(savedSearchView), nextCursor: page.nextCursor };
    },

    get: async (p: Principal, id: string) => savedSearchView(await load(p, id, 'saved-search.read')),

    async update(p: Principal, id: string, patch: SavedSearchPatch, requestId?: string) {
      const before = await load(p, id, 'saved-search.manage');
      const current = savedSearchView(before);
      // webhook alerts go to the organisation the search was saved for
      const columns = columnsOf(before.organisationId, {
        name: patch.name ?? current.name,
        q: patch.q ?? current.q,
        filters: patch.filters ?? current.filters,
        notify: { webhook: patch.notify?.webhook ?? current.notify.webhook },
      });
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(savedSearches)
          .set({ ...columns, updatedAt: new Date() })
          .where(eq(savedSearches.id, id))
          .returning();
        if (!row) throw new NotFoundError('saved-search-not-found');
        const after = savedSearchView(row);
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'saved-search.update',
          objectType: 'saved_search',
          objectId: id,
          before: current,
          after,
          requestId,
        });
        return after;
      });
    },

    async remove(p: Principal, id: string, requestId?: string) {
      const before = await load(p, id, 'saved-search.manage');
      await db.transaction(async (tx) => {
        await tx.delete(savedSearches).where(eq(savedSearches.id, id));
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'saved-search.delete',
          objectType: 'saved_search',
          objectId: id,
          before: savedSearchView(before),
          requestId,
        });
      });
    },

    /** The alerts one saved search produced, newest first. */
    async alerts(p: Principal, id: string, q: { cursor?: string; limit?: number }) {
      await load(p, id, 'saved-search.read');
      const of = eq(savedSearchAlerts.savedSearchId, id);
      const page = await pageByIdDesc(
        cursors,
        `saved-search-alerts:${id}`,
        q,
        (before, n) =>
          db
            .select()
            .from(savedSearchAlerts)
            .where(before ? and(of, lt(savedSearchAlerts.id, before)) : of)
            .orderBy(desc(savedSearchAlerts.id))
            .limit(n),
        (r) => r.id,
      );
      return { items: page.items.map(alertView), nextCursor: page.nextCursor };
    },
  };
}
