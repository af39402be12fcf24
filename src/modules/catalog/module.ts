import type { ModuleDefinition } from '../../platform/module.js';
import { catalogServices } from './expiry.js';
import { catalogWorkers } from './jobs.js';
import './policies.js';
import { catalogRoutes } from './routes.js';
import { seedOnStart } from './seed.js';

/** Achievements, needs, experts, service institutions: review, batch publishing, change feed. */
export const catalogModule: ModuleDefinition = {
  name: 'catalog',
  routes: catalogRoutes,
  workers: () => catalogWorkers(),
  /** The periodic expiry sweep (expiry.ts), in worker processes. */
  services: catalogServices,
  /** An empty catalog on embedded defaults gets the demo exchange (seed.ts). */
  startup: (ctx) => seedOnStart(ctx.database.db, ctx.config, ctx.logger),
};
