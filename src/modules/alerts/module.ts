import type { ModuleDefinition } from '../../platform/module.js';
import { LISTING_INDEXED_QUEUE, searchEngineFor } from '../matching/index.js';
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
      process: (job) =>
        processListingIndexed(
          { database: ctx.database, engine: () => searchEngineFor(ctx), kick: () => ctx.outbox.kick() },
          job.data,
        ),
    },
  ],
};
