import type { ModuleDefinition } from '../../platform/module.js';
import { serviceRoutes } from './routes.js';

/** One-stop services (全网通办): offerings, requests and quotes, orders to delivery and voucher. */
export const servicesModule: ModuleDefinition = { name: 'services', routes: serviceRoutes };
