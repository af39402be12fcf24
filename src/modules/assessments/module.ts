import type { ModuleDefinition } from '../../platform/module.js';
import { assessmentRoutes } from './routes.js';

/** 成果评价 and 资产评估: results that travel with the achievement. */
export const assessmentsModule: ModuleDefinition = { name: 'assessments', routes: assessmentRoutes };
