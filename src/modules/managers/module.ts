import type { ModuleDefinition } from '../../platform/module.js';
import { seedManagersOnStart } from './demo.js';
import { managerRoutes } from './routes.js';

/** Technology managers (技术经理人): the registry, brokers named on deals, and their reward figures. */
export const managersModule: ModuleDefinition = {
  name: 'managers',
  routes: managerRoutes,
  /** Demo managers on embedded defaults (demo.ts); production never. */
  startup: (ctx) => seedManagersOnStart(ctx.database.db, ctx.config, ctx.logger),
};
