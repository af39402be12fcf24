import type { ModuleDefinition } from '../../platform/module.js';
import { contractRoutes } from './routes.js';

/** Technology contract registration (技术合同认定登记): applications, review, numbers, statistics. */
export const contractsModule: ModuleDefinition = { name: 'contracts', routes: contractRoutes };
