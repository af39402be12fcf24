import type { Job } from 'bullmq';
import type { ModuleContext, WorkerDefinition } from '../../platform/module.js';
import type { Payload } from '../../platform/queue.js';
import type { PublicChange } from '../catalog/index.js';
import { OFFERING_CHANGED_QUEUE } from '../services/index.js';
import { ASSOCIATIONS_QUEUE, rebuildAssociations, scheduleRebuild } from './association-store.js';
import { ASSOCIATIONS_IN_USE } from './associations.js';
import { searchEngineFor } from './engine-instance.js';
import { announcementOf, settledState } from './index-apply.js';
import { IndexBatcher } from './index-batcher.js';
import { semanticIndexFor } from './semantic.js';
import { syncSynonyms } from './synonym-store.js';

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

/** A stored thesaurus to apply to the engine (synonym-routes.ts); job id `synonyms-<namespace>-<version>`. */
export const SYNONYMS_CHANGED_QUEUE = 'matching.synonyms-changed';
declare module '../../platform/queue.js' {
  interface QueueRegistry {
    [SYNONYMS_CHANGED_QUEUE]: { namespace: string };
  }
}

/** The catalog's hooks this indexer consumes (declared in catalog/changes.ts and directory.ts). */
export const CATALOG_CHANGED_QUEUE = 'catalog.changed';
export const DIRECTORY_CHANGED_QUEUE = 'catalog.directory-changed';
/** The services module's hook for its offerings (declared in services/search-feed.ts). */
export { OFFERING_CHANGED_QUEUE };

/**
 * Jobs per worker held at once: they wait in the batcher (index-batcher.ts) for their batch, so
 * this bounds the batch size under load, not the work running in parallel (one batch per type).
 */
export const INDEX_CONCURRENCY = 1000;

/**
 * The announcement's job id. A removal gets its own suffix: the version only counts content edits,
 * so a withdrawal has the version of the publication before it.
 */
export const indexedJobId = (j: ListingIndexedJob) =>
  `indexed-${j.type}-${j.id}-${j.version}${j.visible ? '' : '-removed'}`;

type Ctx = Pick<ModuleContext, 'config' | 'database' | 'queues' | 'logger'>;

/** One batcher per database (the workers of both queues in a process share it). */
const batchers = new WeakMap<object, IndexBatcher>();

export function indexBatcherFor(ctx: Pick<ModuleContext, 'config' | 'database' | 'logger'>): IndexBatcher {
  let batcher = batchers.get(ctx.database);
  if (!batcher) {
    const semantic = semanticIndexFor(ctx);
    batcher = new IndexBatcher(ctx.database.db, () => searchEngineFor(ctx), {
      // embeddings are made after the batch is in the index, in the background: a slow or absent
      // provider never holds or fails lexical indexing (semantic.ts)
      onApplied: semantic
        ? (type, applied) =>
            semantic.schedule(type, new Map([...applied.states].map(([id, state]) => [id, state.doc])))
        : undefined,
    });
    batchers.set(ctx.database, batcher);
  }
  return batcher;
}

/** One `catalog.changed` job: index the listing's current public state, then announce it. */
export async function processListingChange(
  ctx: Ctx,
  job: Pick<Job<Payload<typeof CATALOG_CHANGED_QUEUE>>, 'data'>,
): Promise<ListingIndexedJob | undefined> {
  const { type, id } = job.data;
  const state = settledState(await indexBatcherFor(ctx).apply(type, id), type, id);
  const applied = announcementOf(job.data, state);
  // After the index holds the state: a crash before this line retries the job, which re-applies
  // the (same or newer) state and announces then; the job id keeps the announcement single.
  if (applied) {
    await ctx.queues
      .queue(LISTING_INDEXED_QUEUE)
      .add(LISTING_INDEXED_QUEUE, applied, { jobId: indexedJobId(applied) });
    // the catalog changed: learn its term associations again, debounced (when the ranking uses them)
    if (ASSOCIATIONS_IN_USE)
      await scheduleRebuild(ctx.queues.queue(ASSOCIATIONS_QUEUE), ctx.config.queuePrefix);
  }
  return applied;
}

/** One `catalog.directory-changed` job: index or remove the expert or institution. */
export async function processDirectoryChange(
  ctx: Ctx,
  job: Pick<Job<Payload<typeof DIRECTORY_CHANGED_QUEUE>>, 'data'>,
): Promise<{ visible: boolean }> {
  const { type, id } = job.data;
  return { visible: !!settledState(await indexBatcherFor(ctx).apply(type, id), type, id)?.doc };
}

/** One `services.offering-changed` job: index the offering while published, remove it otherwise. */
export async function processOfferingChange(
  ctx: Ctx,
  job: Pick<Job<Payload<typeof OFFERING_CHANGED_QUEUE>>, 'data'>,
): Promise<{ visible: boolean }> {
  const { id } = job.data;
  return { visible: !!settledState(await indexBatcherFor(ctx).apply('offering', id), 'offering', id)?.doc };
}

/** Workers that keep the search index in step with the catalog and the service offerings. */
export function matchingWorkers(ctx: ModuleContext): WorkerDefinition[] {
  return [
    {
      queue: CATALOG_CHANGED_QUEUE,
      // Held jobs, not parallel work: they wait in the batcher for one engine write per type.
      concurrency: INDEX_CONCURRENCY,
      process: (job) => processListingChange(ctx, job),
    },
    {
      queue: DIRECTORY_CHANGED_QUEUE,
      // Held jobs, not parallel work: they wait in the batcher for one engine write per type.
      concurrency: INDEX_CONCURRENCY,
      process: (job) => processDirectoryChange(ctx, job),
    },
    {
      queue: OFFERING_CHANGED_QUEUE,
      // Held jobs, not parallel work: they wait in the batcher for one engine write per type.
      concurrency: INDEX_CONCURRENCY,
      process: (job) => processOfferingChange(ctx, job),
    },
    {
      queue: ASSOCIATIONS_QUEUE,
      concurrency: 1,
      // reads the catalog as it is now: a late or repeated job rebuilds the same, harmlessly
      process: (job: Job<{ namespace: string }>) => rebuildAssociations(ctx.database.db, job.data.namespace),
    },
    {
      queue: SYNONYMS_CHANGED_QUEUE,
      concurrency: 1,
      // the thesaurus stored now (a later replacement's job applies the same, harmlessly)
      process: async (job: Job<{ namespace: string }>) =>
        syncSynonyms(await searchEngineFor(ctx), ctx.database.db, job.data.namespace),
    },
  ];
}
