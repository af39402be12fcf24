/**
 * Applying the catalog's current public state to the search index, many documents at a time (the
 * indexer's coalesced jobs, `techex reindex`).
 *
 * No database transaction is open while the engine is written (a slow or absent Meilisearch must
 * not hold connections, row or advisory locks): the state is read, the transaction (if any) ends,
 * then the engine is written and waited for.
 *
 * No lost update without a lock: a writer that read an older state may reach the engine after one
 * that read a newer state (Meilisearch has no "newer version wins" guard). So every writer, once
 * its write is processed, reads the catalog again and writes again what changed in between, until
 * what it wrote is what the catalog holds. The writer whose write the engine processes last
 * therefore leaves the newest committed state, whatever order jobs and rebuilds run in, on either
 * engine.
 */
import type { Db, DbOrTx } from '../../platform/db.js';
import {
  type DirectoryEntry,
  type DirectoryType,
  getDirectoryEntries,
  getListingStates,
  getPublicListings,
  getPublicListingVersion,
  type ListingKind,
  type PublicChange,
} from '../catalog/index.js';
import { findOrganisation } from '../identity/index.js';
import { getPublicOfferings } from '../services/index.js';
import { type DocumentType, SEARCH_LIMITS, type SearchDocument, type SearchEngine } from './engine.js';
import type { ListingIndexedJob } from './indexer.js';
import { directoryDocument, listingDocument, offeringDocument } from './projection.js';

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

export async function directoryDocumentOf(db: DbOrTx, entry: DirectoryEntry, names = organisationNames(db)) {
  // an institution's own name is its organisation's; an expert's employer is added when public
  const organisationName = entry.type === 'expert' ? await names(entry.organisationId) : undefined;
  return directoryDocument(entry, { organisationName });
}

/**
 * The search document of one content version of a public listing (the current one or an earlier
 * one from the catalog's history), built as the indexer builds it; undefined when the listing is
 * not public or has no such version.
 */
export async function listingVersionDocument(
  db: DbOrTx,
  type: ListingKind,
  id: string,
  version: number,
): Promise<SearchDocument | undefined> {
  const view = await getPublicListingVersion(db, type, id, version);
  if (!view) return undefined;
  return listingDocument(type, view, { organisationName: await organisationNames(db)(view.organisationId) });
}

const LISTING_KINDS: readonly string[] = ['achievement', 'need'];
export const isListingKind = (type: DocumentType): type is ListingKind => LISTING_KINDS.includes(type);

/** What the index should hold for one document now. */
export interface CurrentState {
  /** the document to index; undefined when it is not public (removed from the index) */
  doc: SearchDocument | undefined;
  /** a listing's status and content version; undefined for directory entries and missing listings */
  listing: { status: string; version: number } | undefined;
}

const fingerprint = (s: CurrentState | undefined) => (s?.doc ? JSON.stringify(s.doc) : 'absent');

/** Reads the current state of these documents of one type (at most `SEARCH_LIMITS.maxBatch`). */
export async function readCurrentState(
  db: DbOrTx,
  type: DocumentType,
  ids: string[],
): Promise<Map<string, CurrentState>> {
  const names = organisationNames(db);
  const out = new Map<string, CurrentState>(ids.map((id) => [id, { doc: undefined, listing: undefined }]));
  if (isListingKind(type)) {
    const [views, states] = await Promise.all([
      getPublicListings(db, type, ids),
      getListingStates(db, type, ids),
    ]);
    for (const [id, state] of states) out.set(id, { doc: undefined, listing: state });
    for (const view of views) {
      const doc = listingDocument(type, view, { organisationName: await names(view.organisationId) });
      out.set(doc.id, { doc, listing: states.get(doc.id) });
    }
  } else if (type === 'offering') {
    // published offerings are indexed; any other state (or a deleted row) is removed
    for (const offering of await getPublicOfferings(db, ids)) {
      out.set(offering.id, { doc: offeringDocument(offering), listing: undefined });
    }
  } else {
    for (const entry of await getDirectoryEntries(db, type as DirectoryType, ids)) {
      out.set(entry.id, { doc: await directoryDocumentOf(db, entry, names), listing: undefined });
    }
  }
  return out;
}

async function write(engine: SearchEngine, type: DocumentType, states: Map<string, CurrentState>) {
  const docs = [...states.values()].flatMap((s) => (s.doc ? [s.doc] : []));
  const gone = [...states].filter(([, s]) => !s.doc).map(([id]) => id);
  await Promise.all([
    docs.length ? engine.upsert(docs) : undefined,
    gone.length ? engine.remove(type, gone) : undefined,
  ]);
}

/** Rounds of write-and-check before giving up (the job is retried; a rebuild leaves it to the jobs). */
const MAX_ROUNDS = 5;

export interface Applied {
  /** the state each document has in the index, as the catalog still held it after the write */
  states: Map<string, CurrentState>;
  /** ids that changed in the catalog during every round (their own jobs index them later) */
  unsettled: string[];
}

/**
 * Makes the index hold the current state of these documents of one type (at most
 * `SEARCH_LIMITS.maxBatch`): read, write, wait, read again, and write again what changed.
 */
export async function applyCurrentState(
  db: Db,
  engine: SearchEngine,
  type: DocumentType,
  ids: string[],
): Promise<Applied> {
  const unique = [...new Set(ids)];
  if (unique.length > SEARCH_LIMITS.maxBatch) throw new Error(`at most ${SEARCH_LIMITS.maxBatch} ids`);
  const states = new Map<string, CurrentState>();
  let pending = unique;
  let current = await readCurrentState(db, type, pending);
  for (let round = 0; pending.length > 0 && round < MAX_ROUNDS; round++) {
    await write(engine, type, current);
    const after = await readCurrentState(db, type, pending);
    const changed: string[] = [];
    for (const id of pending) {
      if (fingerprint(after.get(id)) === fingerprint(current.get(id))) states.set(id, after.get(id)!);
      else changed.push(id);
    }
    pending = changed;
    current = new Map(changed.map((id) => [id, after.get(id)!]));
  }
  return { states, unsettled: pending };
}

const VISIBLE_CHANGES: readonly PublicChange[] = ['published', 'updated'];
const HIDDEN_CHANGES: readonly PublicChange[] = ['withdrawn', 'expired'];

/**
 * The announcement of an indexed listing (see LISTING_INDEXED_QUEUE), or undefined when the
 * listing does not exist at all (nothing to announce). It names the version the job was queued
 * for: two edits indexed in one batch are announced (and alerted) once each, not both as the
 * newest. A job without a version (queued before versions were carried) names the indexed one.
 */
export function announcementOf(
  job: { type: ListingKind; id: string; change: PublicChange; version?: number },
  state: CurrentState | undefined,
): ListingIndexedJob | undefined {
  if (!state?.listing) return undefined;
  const current = Number(state.listing.version);
  const version = job.version !== undefined && job.version <= current ? job.version : current;
  if (state.doc) {
    // the job's own change may be older than the state just indexed
    const change = VISIBLE_CHANGES.includes(job.change) ? job.change : 'updated';
    return { type: job.type, id: job.id, version, change, visible: true };
  }
  const change = HIDDEN_CHANGES.includes(job.change) ? job.change : 'withdrawn';
  return { type: job.type, id: job.id, version, change, visible: false };
}

function settled(applied: Applied, type: DocumentType, id: string): CurrentState | undefined {
  if (applied.unsettled.includes(id)) {
    throw new Error(`search index: ${type} ${id} kept changing while it was indexed; retrying`);
  }
  return applied.states.get(id);
}

/** Indexes one listing as it is now (or removes it when it is not public); see `announcementOf`. */
export async function applyListing(
  db: Db,
  engine: SearchEngine,
  job: { type: ListingKind; id: string; change: PublicChange },
): Promise<ListingIndexedJob | undefined> {
  const applied = await applyCurrentState(db, engine, job.type, [job.id]);
  return announcementOf(job, settled(applied, job.type, job.id));
}

/** Indexes an expert, service institution or offering as it is now (removed when not public). */
export async function applyDirectoryEntry(
  db: Db,
  engine: SearchEngine,
  job: { type: DirectoryType | 'offering'; id: string },
): Promise<{ visible: boolean }> {
  const applied = await applyCurrentState(db, engine, job.type, [job.id]);
  return { visible: !!settled(applied, job.type, job.id)?.doc };
}

export { settled as settledState };
