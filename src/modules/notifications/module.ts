import type { ModuleDefinition } from '../../platform/module.js';
import { notificationRoutes } from './routes.js';

/** The in-app inbox (站内通知); other modules write with `notifyInTx` from ./service.js. */
export const notificationsModule: ModuleDefinition = { name: 'notifications', routes: notificationRoutes };
