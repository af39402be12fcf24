import type { ModuleDefinition } from '../index.js';
import { catalogWorkers } from './jobs.js';
import './policies.js';
import { catalogRoutes } from './routes.js';

/** Achievements, needs, experts, service institutions: review, batch publishing, change feed. */
export const catalogModule: ModuleDefinition = {
  name: 'catalog',
  routes: catalogRoutes,
  workers: () => catalogWorkers(),
};
