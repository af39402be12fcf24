import type { ModuleDefinition } from '../../platform/module.js';
import { managerRoutes } from './routes.js';

/** Technology managers (技术经理人): the registry, brokers named on deals, and their reward figures. */
export const managersModule: ModuleDefinition = { name: 'managers', routes: managerRoutes };
