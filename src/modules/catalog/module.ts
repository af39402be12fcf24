import type { ModuleDefinition } from '../index.js';
import { catalogServices } from './expiry.js';
import { catalogWorkers } from './jobs.js';
import './policies.js';
import { catalogRoutes } from './routes.js';

/** Achievements, needs, experts, service institutions: review, batch publishing, change feed. */
export const catalogModule: ModuleDefinition = {
  name: 'catalog',
  routes: catalogRoutes,
  workers: () => catalogWorkers(),
  /** The periodic expiry sweep (expiry.ts), in worker processes. */
  services: catalogServices,
};
