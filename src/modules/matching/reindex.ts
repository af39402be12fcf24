/**
 * `techex reindex`: rebuilds the search index from the database. Public listings are indexed and
 * every non-public one removed, a page of up to 1000 ids at a time (one engine task per page), a
 * few pages in flight at once so the engine always has the next one queued. Each page goes through
 * `applyCurrentState` like the indexer's batches (read, write, read again), so a rebuild running
 * beside the workers never leaves an older state over a newer one, and holds no transaction while
 * the engine works. Experts, institutions and service offerings are indexed the same way (every
 * offering is visited: published ones indexed, the others removed). The stored thesaurus is
 * applied first.
 */
import type { Db } from '../../platform/db.js';
import {
  countDirectoryEntries,
  countPublicListings,
  type DirectoryType,
  type ListingKind,
  listDirectoryEntries,
  listHiddenListingIds,
  listPublicListings,
} from '../catalog/index.js';
import { countPublishedOfferings, listOfferingIds } from '../services/index.js';
import type { DocumentType, SearchDocument, SearchEngine } from './engine.js';
import { applyCurrentState, isListingKind } from './index-apply.js';
import { applyStoredSynonyms } from './synonym-store.js';

export interface ReindexProgress {
  type: DocumentType;
  /** documents indexed so far, of `total` public ones when the type started */
  done: number;
  total: number;
}

export interface ReindexSummary {
  type: DocumentType;
  indexed: number;
  /** documents removed because their listing is not public (removing an absent one is a no-op) */
  removed: number;
}

export interface ReindexOptions {
  types?: DocumentType[];
  /** documents per page (and per lock transaction); default 200 */
  pageSize?: number;
  onStart?: (type: DocumentType, total: number) => void;
  onProgress?: (p: ReindexProgress) => void;
  /** each applied page's documents (undefined: not public), e.g. for their embeddings */
  onApplied?: (type: DocumentType, docs: Map<string, SearchDocument | undefined>) => void;
}

/** pages applied at once: one being indexed by the engine, the next ones read and queued */
const IN_FLIGHT = 3;

export async function reindex(
  deps: { db: Db; engine: SearchEngine; namespace: string },
  opts: ReindexOptions = {},
): Promise<ReindexSummary[]> {
  const { db, engine } = deps;
  await applyStoredSynonyms(engine, db, deps.namespace);
  const types = opts.types ?? ['achievement', 'need', 'expert', 'institution', 'offering'];
  const pageSize = Math.min(opts.pageSize ?? 1000, 1000);
  const summaries: ReindexSummary[] = [];
  for (const type of types) {
    const total = isListingKind(type)
      ? await countPublicListings(db, type)
      : type === 'offering'
        ? await countPublishedOfferings(db)
        : await countDirectoryEntries(db, type as DirectoryType);
    opts.onStart?.(type, total);
    const summary: ReindexSummary = { type, indexed: 0, removed: 0 };
    // ids page by page in id order, each page applied as the current state of its documents
    const byPage = async (read: (afterId: string | undefined) => Promise<string[]>) => {
      const inFlight = new Set<Promise<void>>();
      let afterId: string | undefined;
      for (;;) {
        const ids = await read(afterId);
        if (ids.length === 0) break;
        afterId = ids[ids.length - 1];
        const page = applyCurrentState(db, engine, type, ids).then(({ states }) => {
          opts.onApplied?.(type, new Map([...states].map(([id, s]) => [id, s.doc])));
          for (const s of states.values()) {
            if (s.doc) summary.indexed++;
            else summary.removed++;
          }
          opts.onProgress?.({ type, done: summary.indexed, total });
        });
        const tracked: Promise<void> = page.finally(() => inFlight.delete(tracked));
        tracked.catch(() => undefined); // a failure surfaces through the race or the final wait
        inFlight.add(tracked);
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    };
    if (isListingKind(type)) {
      const kind: ListingKind = type;
      await byPage(async (afterId) =>
        (await listPublicListings(db, kind, { afterId, limit: pageSize })).map((v) => String(v.id)),
      );
      await byPage((afterId) => listHiddenListingIds(db, kind, { afterId, limit: pageSize }));
    } else if (type === 'offering') {
      // every offering: published ones are indexed, the others removed (withdrawn since)
      await byPage((afterId) => listOfferingIds(db, { afterId, limit: pageSize }));
    } else {
      const dirType = type as DirectoryType;
      await byPage(async (afterId) =>
        (await listDirectoryEntries(db, dirType, { afterId, limit: pageSize })).map((e) => e.id),
      );
    }
    summaries.push(summary);
  }
  return summaries;
}
