import type { ModuleDefinition } from '../../platform/module.js';
import { createSearchEngine } from './create-engine.js';
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
  // GET /readyz reports Meilisearch when it is configured (the embedded engine is the database).
  readiness: ({ config, database }): Record<string, () => Promise<void>> => {
    if (!config.meili) return {};
    const engine = createSearchEngine(config, database);
    return { search: () => engine.ping() };
  },
};
