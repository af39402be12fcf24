import type { Job } from 'bullmq';
import type { ModuleDefinition } from '../index.js';
import { searchEngineFor } from '../matching/engine-instance.js';
import { LISTING_INDEXED_QUEUE, type ListingIndexedJob } from '../matching/indexer.js';
import { processListingIndexed } from './matcher.js';
import { alertRoutes } from './routes.js';

/**
 * Saved searches and alerts (订阅与提醒): the API, and the consumer of `matching.listing-indexed`
 * that turns each newly indexed listing version into exactly one alert per matching saved search.
 */
export const alertsModule: ModuleDefinition = {
  name: 'alerts',
  routes: alertRoutes,
  workers: (ctx) => [
    {
      queue: LISTING_INDEXED_QUEUE,
      concurrency: ctx.config.workerConcurrency,
      process: (job: Job) =>
        processListingIndexed(
          { database: ctx.database, engine: () => searchEngineFor(ctx), kick: () => ctx.outbox.kick() },
          job.data as ListingIndexedJob,
        ),
    },
  ],
};
