import { createLogger } from '../../platform/logger.js';
import type { ModuleDefinition } from '../index.js';
import { indexMaintenance } from './index-maintenance.js';
import { matchingWorkers } from './indexer.js';
import { searchRoutes } from './routes.js';
import { synonymRoutes } from './synonym-routes.js';

/**
 * Smart matchmaking (智能撮合): search, explained matches, the index fed from the catalog's
 * changes, and the operators' synonym thesaurus.
 */
export const matchingModule: ModuleDefinition = {
  name: 'matching',
  routes: async (app, ctx) => {
    await searchRoutes(app, ctx);
    await synonymRoutes(app, ctx);
  },
  workers: (ctx) => matchingWorkers(ctx),
  services: (ctx) => [indexMaintenance(ctx, createLogger(ctx.config).child({ component: 'search-index' }))],
};
