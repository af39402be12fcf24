/**
 * `techex reindex`: rebuilds the search index from the database. Public listings are upserted and
 * every non-public one removed, page by page, each page under the same document locks the indexer
 * takes (index-apply.ts), so a rebuild running beside the workers never writes an older state over
 * a newer one. Experts and institutions are upserted the same way. The stored thesaurus is applied
 * first.
 */
import type { Db, DbOrTx } from '../../platform/db.js';
import {
  countDirectoryEntries,
  countPublicListings,
  type DirectoryEntry,
  type DirectoryType,
  type ListingKind,
  listDirectoryEntries,
  listHiddenListingIds,
  listPublicListings,
} from '../catalog/index.js';
import type { DocumentType, SearchEngine } from './engine.js';
import { directoryDocumentOf, organisationNames, withDocumentLocks } from './index-apply.js';
import { listingDocument } from './projection.js';
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
}

const LISTING_KINDS: readonly ListingKind[] = ['achievement', 'need'];

export async function reindex(
  deps: { db: Db; engine: SearchEngine; namespace: string },
  opts: ReindexOptions = {},
): Promise<ReindexSummary[]> {
  const { db, engine } = deps;
  await applyStoredSynonyms(engine, db, deps.namespace);
  const types = opts.types ?? ['achievement', 'need', 'expert', 'institution'];
  const pageSize = opts.pageSize ?? 200;
  const names = organisationNames(db);
  const summaries: ReindexSummary[] = [];
  for (const type of types) {
    const isListing = (LISTING_KINDS as readonly string[]).includes(type);
    const total = isListing
      ? await countPublicListings(db, type as ListingKind)
      : await countDirectoryEntries(db, type as DirectoryType);
    opts.onStart?.(type, total);
    const summary: ReindexSummary = { type, indexed: 0, removed: 0 };
    const report = () => opts.onProgress?.({ type, done: summary.indexed, total });
    // Each page: read its ids, lock them, read the page again, and apply only what is still locked
    // and current. An id that appears between the two reads belongs to a job that will index it.
    const byPage = async <T extends Record<string, unknown>>(
      read: (tx: DbOrTx, afterId: string | undefined) => Promise<T[]>,
      apply: (tx: DbOrTx, rows: T[]) => Promise<void>,
    ) => {
      let afterId: string | undefined;
      for (;;) {
        const ids = (await read(db, afterId)).map((r) => String(r.id));
        if (ids.length === 0) return;
        await withDocumentLocks(db, type, ids, async (tx) => {
          const locked = new Set(ids);
          await apply(
            tx,
            (await read(tx, afterId)).filter((r) => locked.has(String(r.id))),
          );
        });
        afterId = ids[ids.length - 1];
      }
    };
    if (isListing) {
      const kind = type as ListingKind;
      await byPage(
        (tx, afterId) => listPublicListings(tx, kind, { afterId, limit: pageSize }),
        async (_tx, views) => {
          const docs = [];
          for (const v of views) {
            docs.push(listingDocument(kind, v, { organisationName: await names(v.organisationId) }));
          }
          await engine.upsert(docs);
          summary.indexed += docs.length;
          report();
        },
      );
      await byPage(
        async (tx, afterId) =>
          (await listHiddenListingIds(tx, kind, { afterId, limit: pageSize })).map((id) => ({ id })),
        async (_tx, rows) => {
          await engine.remove(
            kind,
            rows.map((r) => r.id),
          );
          summary.removed += rows.length;
        },
      );
    } else {
      const dirType = type as DirectoryType;
      await byPage(
        (tx, afterId) =>
          listDirectoryEntries(tx, dirType, { afterId, limit: pageSize }) as Promise<
            (DirectoryEntry & Record<string, unknown>)[]
          >,
        async (tx, entries) => {
          const docs = [];
          for (const entry of entries) {
            docs.push(await directoryDocumentOf(tx, entry, names));
          }
          await engine.upsert(docs);
          summary.indexed += docs.length;
          report();
        },
      );
    }
    summaries.push(summary);
  }
  return summaries;
}
