import type { ModuleContext } from '../../platform/http/app.js';
import type { PublicChange } from '../catalog/service.js';
import type { WorkerDefinition } from '../index.js';

/**
 * After the indexer has applied a listing change to the search index, it announces it here so
 * that work needing the index to be current (saved-search alerts) runs after it. Job id:
 * `indexed-<type>-<id>-<version>`, so a retried indexing job announces once.
 */
export const LISTING_INDEXED_QUEUE = 'matching.listing-indexed';
export interface ListingIndexedJob {
  type: 'achievement' | 'need';
  id: string;
  /** the listing's version that was indexed */
  version: number;
  change: PublicChange;
  /** false when the listing was removed from the index (withdrawn, expired, unpublished) */
  visible: boolean;
}

declare module '../../platform/queue.js' {
  interface QueueRegistry {
    [LISTING_INDEXED_QUEUE]: ListingIndexedJob;
  }
}

/** Workers that keep the search index in step with the catalog. */
export function matchingWorkers(_ctx: ModuleContext): WorkerDefinition[] {
  return [];
}
