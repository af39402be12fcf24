import type { ModuleDefinition } from '../../platform/module.js';
import { checkSearchEngineAtStart, createSearchEngine } from './create-engine.js';
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
  services: (ctx) => [indexMaintenance(ctx, ctx.logger.child({ component: 'search-index' }))],
  // An older Meilisearch than the tested release is refused here, before anything is served.
  startup: async ({ config, database, logger }) => {
    if (!config.meili) return;
    await checkSearchEngineAtStart(createSearchEngine(config, database), logger);
  },
  // GET /readyz reports Meilisearch when it is configured (the embedded engine is the database).
  readiness: ({ config, database }): Record<string, () => Promise<void>> => {
    if (!config.meili) return {};
    const engine = createSearchEngine(config, database);
    return { search: () => engine.ping() };
  },
};
