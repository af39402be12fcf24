import type { ModuleDefinition } from '../../platform/module.js';
import { seedServicesOnStart } from './demo.js';
import { serviceRoutes } from './routes.js';

/** One-stop services (全网通办): offerings, requests and quotes, orders to delivery and voucher. */
export const servicesModule: ModuleDefinition = {
  name: 'services',
  routes: serviceRoutes,
  /** An empty marketplace on embedded defaults gets demo offerings and orders (demo.ts). */
  startup: async (ctx) => {
    const summary = await seedServicesOnStart(ctx.database.db, ctx.config);
    if (summary && !summary.skipped) ctx.logger.info(summary, 'seeded the demo services marketplace');
  },
};
