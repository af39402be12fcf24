import type { Job } from 'bullmq';
import type { ModuleContext } from '../../platform/http/app.js';
import type { Payload } from '../../platform/queue.js';
import type { PublicChange } from '../catalog/service.js';
import type { WorkerDefinition } from '../index.js';
import { searchEngineFor } from './engine-instance.js';
import { applyDirectoryEntry, applyListing } from './index-apply.js';

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

/** The catalog's hooks this indexer consumes (declared in catalog/changes.ts and directory.ts). */
export const CATALOG_CHANGED_QUEUE = 'catalog.changed';
export const DIRECTORY_CHANGED_QUEUE = 'catalog.directory-changed';

/**
 * The announcement's job id. A removal gets its own suffix: the version only counts content edits,
 * so a withdrawal has the version of the publication before it.
 */
export const indexedJobId = (j: ListingIndexedJob) =>
  `indexed-${j.type}-${j.id}-${j.version}${j.visible ? '' : '-removed'}`;

type Ctx = Pick<ModuleContext, 'config' | 'database' | 'queues'>;

/** One `catalog.changed` job: index the listing's current public state, then announce it. */
export async function processListingChange(
  ctx: Ctx,
  job: Pick<Job<Payload<typeof CATALOG_CHANGED_QUEUE>>, 'data'>,
): Promise<ListingIndexedJob | undefined> {
  const engine = await searchEngineFor(ctx);
  const applied = await applyListing(ctx.database.db, engine, job.data);
  // After the lock is released: a crash before this line retries the job, which re-applies the
  // (same or newer) state and announces then; the job id keeps the announcement single.
  if (applied) {
    await ctx.queues
      .queue(LISTING_INDEXED_QUEUE)
      .add(LISTING_INDEXED_QUEUE, applied, { jobId: indexedJobId(applied) });
  }
  return applied;
}

/** One `catalog.directory-changed` job: index or remove the expert or institution. */
export async function processDirectoryChange(
  ctx: Ctx,
  job: Pick<Job<Payload<typeof DIRECTORY_CHANGED_QUEUE>>, 'data'>,
): Promise<{ visible: boolean }> {
  return applyDirectoryEntry(ctx.database.db, await searchEngineFor(ctx), job.data);
}

/** Workers that keep the search index in step with the catalog. */
export function matchingWorkers(ctx: ModuleContext): WorkerDefinition[] {
  return [
    {
      queue: CATALOG_CHANGED_QUEUE,
      // WORKER_CONCURRENCY (index-apply.ts bounds the lock holders of a process by its pool size too).
      concurrency: ctx.config.workerConcurrency,
      process: (job) => processListingChange(ctx, job),
    },
    {
      queue: DIRECTORY_CHANGED_QUEUE,
      // WORKER_CONCURRENCY (index-apply.ts bounds the lock holders of a process by its pool size too).
      concurrency: ctx.config.workerConcurrency,
      process: (job) => processDirectoryChange(ctx, job),
    },
  ];
}
