import type { ModuleDefinition } from '../../platform/module.js';
import { financingRoutes } from './routes.js';

/** Financing (投融资): investor profiles, roadshows with matching, and investment interests. */
export const financingModule: ModuleDefinition = { name: 'financing', routes: financingRoutes };
