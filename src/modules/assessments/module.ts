import type { ModuleDefinition } from '../../platform/module.js';
import { seedAssessmentsOnStart } from './demo.js';
import { assessmentRoutes } from './routes.js';

/** 成果评价 and 资产评估: results that travel with the achievement. */
export const assessmentsModule: ModuleDefinition = {
  name: 'assessments',
  routes: assessmentRoutes,
  /** One concluded demo evaluation on embedded defaults (demo.ts); production never. */
  startup: (ctx) =>
    seedAssessmentsOnStart(
      { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox },
      ctx.config,
      ctx.logger,
    ),
};
