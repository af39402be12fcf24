/**
 * Applying the catalog's current public state to the search index, one document at a time (the
 * indexer's jobs) or a page at a time (`techex reindex`).
 *
 * No lost update: every writer of a document takes a PostgreSQL advisory transaction lock on it,
 * then reads the catalog's current state and applies it before releasing the lock. Jobs that arrive
 * twice, late or out of order therefore all apply the newest committed state, whatever order they
 * run in, on either engine (Meilisearch has no newer-version guard of its own). The lock
 * transaction holds no row locks; the embedded engine writes on another connection of the pool.
 */
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Db, DbOrTx, Tx } from '../../platform/db.js';
import {
  type DirectoryEntry,
  type DirectoryType,
  getDirectoryEntry,
  getListingState,
  getPublicListing,
  type ListingKind,
  type PublicChange,
} from '../catalog/index.js';
import { findOrganisation } from '../identity/index.js';
import type { SearchEngine } from './engine.js';
import type { ListingIndexedJob } from './indexer.js';
import { directoryDocument, listingDocument } from './projection.js';

/**
 * A lock holder keeps one pooled connection while the embedded engine needs another: if every
 * connection of the pool were held by lock holders, none could write and all would wait for ever.
 * So at most `pool size − 2` of them run at once per pool (at least one), whatever calls them
 * (workers of both queues, reindex, tests).
 */
const holders = new WeakMap<object, { free: number; waiting: (() => void)[] }>();

async function withHolderSlot<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  let slots = holders.get(db);
  if (!slots) {
    // drizzle keeps the pool it was made with as `$client`
    const poolMax = (db as unknown as { $client?: pg.Pool }).$client?.options?.max ?? 10;
    slots = { free: Math.max(1, poolMax - 2), waiting: [] };
    holders.set(db, slots);
  }
  const s = slots;
  if (s.free > 0) s.free--;
  else await new Promise<void>((resolve) => s.waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = s.waiting.shift();
    if (next) next();
    else s.free++;
  }
}

/**
 * Runs `fn` in a transaction holding the index locks of these documents (taken in sorted order, so
 * two holders never wait on each other); `fn` reads the catalog and writes the engine.
 */
export async function withDocumentLocks<T>(
  db: Db,
  type: string,
  ids: string[],
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  const keys = [...new Set(ids)].sort().map((id) => `matching.index:${type}:${id}`);
  return withHolderSlot(db, () =>
    db.transaction(async (tx) => {
      await tx.execute(
        sql`SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
            FROM unnest(ARRAY[${sql.join(
              keys.map((k) => sql`${k}`),
              sql`, `,
            )}]::text[]) AS k ORDER BY k`,
      );
      return fn(tx);
    }),
  );
}

/**
 * The name of a listing's or expert's organisation when its profile is public (verified): an
 * unverified organisation is not shown to outsiders, so its name is not indexed either.
 */
export function organisationNames(db: DbOrTx): (id: unknown) => Promise<string | undefined> {
  const cache = new Map<string, string | undefined>();
  return async (id) => {
    if (typeof id !== 'string') return undefined;
    if (!cache.has(id)) {
      const org = await findOrganisation(db, id);
      cache.set(id, org?.verificationStatus === 'verified' ? org.name : undefined);
    }
    return cache.get(id);
  };
}

const VISIBLE_CHANGES: readonly PublicChange[] = ['published', 'updated'];
const HIDDEN_CHANGES: readonly PublicChange[] = ['withdrawn', 'expired'];

/**
 * Indexes a listing as it is now (or removes it when it is not public). Returns what was applied,
 * or undefined when the listing does not exist at all (nothing to announce).
 */
export async function applyListing(
  db: Db,
  engine: SearchEngine,
  job: { type: ListingKind; id: string; change: PublicChange },
): Promise<ListingIndexedJob | undefined> {
  return withDocumentLocks(db, job.type, [job.id], async (tx) => {
    const view = await getPublicListing(tx, job.type, job.id);
    if (view) {
      const organisationName = await organisationNames(tx)(view.organisationId);
      await engine.upsert([listingDocument(job.type, view, { organisationName })]);
      // the job's own change may be older than the state just indexed
      const change = VISIBLE_CHANGES.includes(job.change) ? job.change : 'updated';
      return { type: job.type, id: job.id, version: Number(view.version), change, visible: true };
    }
    await engine.remove(job.type, [job.id]);
    const state = await getListingState(tx, job.type, job.id);
    if (!state) return undefined;
    const change = HIDDEN_CHANGES.includes(job.change) ? job.change : 'withdrawn';
    return { type: job.type, id: job.id, version: state.version, change, visible: false };
  });
}

/** Indexes an expert or service institution as it is now (removed when it no longer exists). */
export async function applyDirectoryEntry(
  db: Db,
  engine: SearchEngine,
  job: { type: DirectoryType; id: string },
): Promise<{ visible: boolean }> {
  return withDocumentLocks(db, job.type, [job.id], async (tx) => {
    const entry = await getDirectoryEntry(tx, job.type, job.id);
    if (!entry) {
      await engine.remove(job.type, [job.id]);
      return { visible: false };
    }
    await engine.upsert([await directoryDocumentOf(tx, entry)]);
    return { visible: true };
  });
}

export async function directoryDocumentOf(db: DbOrTx, entry: DirectoryEntry, names = organisationNames(db)) {
  // an institution's own name is its organisation's; an expert's employer is added when public
  const organisationName = entry.type === 'expert' ? await names(entry.organisationId) : undefined;
  return directoryDocument(entry, { organisationName });
}
