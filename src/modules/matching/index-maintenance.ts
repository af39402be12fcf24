/**
 * Keeps the search index whole across engine trouble (runs with the workers):
 *
 * - **Lost volume.** At start, an engine holding no listing and no offering at all beside a
 *   database with public ones (a new or wiped Meilisearch volume) is refilled by a rebuild in the
 *   background.
 * - **Long outage.** Indexing jobs retry with backoff, but give up after their attempts (about a
 *   quarter of an hour). Every minute, while the engine answers, failed indexing jobs are retried,
 *   so an outage of any length only delays indexing.
 */
import type { BackgroundService, ModuleContext } from '../../platform/module.js';
import { countPublicListings, type ListingKind, PUBLIC_STATUSES } from '../catalog/index.js';
import { countPublishedOfferings } from '../services/index.js';
import type { SearchEngine } from './engine.js';
import { searchEngineFor } from './engine-instance.js';
import {
  CATALOG_CHANGED_QUEUE,
  DIRECTORY_CHANGED_QUEUE,
  OFFERING_CHANGED_QUEUE,
  SYNONYMS_CHANGED_QUEUE,
} from './indexer.js';
import { reindex } from './reindex.js';

type Ctx = Pick<ModuleContext, 'config' | 'database' | 'queues'>;

const LISTING_KINDS: ListingKind[] = ['achievement', 'need'];

/** Public documents in the database: listings by kind, and published service offerings. */
const inDatabase = (ctx: Ctx, type: ListingKind | 'offering') =>
  type === 'offering' ? countPublishedOfferings(ctx.database.db) : countPublicListings(ctx.database.db, type);

const CHECKED: (ListingKind | 'offering')[] = [...LISTING_KINDS, 'offering'];

/** true when the engine has no listing and no offering while the database has public ones (a lost index). */
export async function indexLost(ctx: Ctx, engine: SearchEngine): Promise<boolean> {
  for (const type of CHECKED) {
    if ((await inDatabase(ctx, type)) === 0) continue;
    const indexed = await engine.search({
      type,
      limit: 1,
      highlight: false,
      filters: type === 'offering' ? {} : { statuses: [...PUBLIC_STATUSES] },
    });
    if (indexed.total > 0) return false;
  }
  for (const type of CHECKED) {
    if ((await inDatabase(ctx, type)) > 0) return true;
  }
  return false;
}

/** Refills a lost index (see `indexLost`); returns whether it did. */
export async function refillIfLost(ctx: Ctx): Promise<boolean> {
  const engine = await searchEngineFor(ctx);
  if (!(await indexLost(ctx, engine))) return false;
  await reindex({ db: ctx.database.db, engine, namespace: ctx.config.queuePrefix });
  return true;
}

/** Retries the failed jobs of the indexing queues (after the engine came back); returns how many. */
export async function retryFailedIndexJobs(ctx: Ctx): Promise<number> {
  let retried = 0;
  for (const name of [
    CATALOG_CHANGED_QUEUE,
    DIRECTORY_CHANGED_QUEUE,
    OFFERING_CHANGED_QUEUE,
    SYNONYMS_CHANGED_QUEUE,
  ]) {
    const failed = await ctx.queues.queue(name).getFailed(0, 999);
    for (const job of failed) {
      await job.retry('failed').then(
        () => retried++,
        () => undefined, // retried or removed meanwhile by another process
      );
    }
  }
  return retried;
}

const RETRY_EVERY_MS = 60_000;

export function indexMaintenance(
  ctx: Ctx,
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
): BackgroundService {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const guarded = (what: string, fn: () => Promise<unknown>) => {
    running = fn()
      .catch((err) => log.warn({ err }, `search index ${what} failed; trying again later`))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const tick = () => {
    timer = setTimeout(async () => {
      await guarded('retry', async () => {
        const engine = await searchEngineFor(ctx);
        await engine.ping();
        const n = await retryFailedIndexJobs(ctx);
        if (n > 0) log.info({ jobs: n }, 'search engine reachable again: failed indexing jobs retried');
      });
      if (!stopped) tick();
    }, RETRY_EVERY_MS);
    timer.unref();
  };
  return {
    name: 'search-index-maintenance',
    async start() {
      stopped = false;
      // in the background: start-up does not wait for a rebuild (or for an engine that is away)
      void guarded('refill', async () => {
        if (await refillIfLost(ctx)) log.info({}, 'search index was empty: rebuilt from the catalog');
      }).finally(() => {
        if (!stopped) tick();
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
