import type { ModuleDefinition } from '../../platform/module.js';
import { seedFinancingOnStart } from './demo.js';
import { financingRoutes } from './routes.js';

/** Financing (投融资): investor profiles, roadshows with matching, and investment interests. */
export const financingModule: ModuleDefinition = {
  name: 'financing',
  routes: financingRoutes,
  /** Demo investors and a roadshow on embedded defaults (demo.ts); production never. */
  startup: (ctx) => seedFinancingOnStart(ctx.database.db, ctx.config, ctx.logger),
};
