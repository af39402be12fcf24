import type { ModuleDefinition } from '../../platform/module.js';
import { createWebhookDeliverer } from './delivery.js';
import { WEBHOOK_QUEUE } from './events.js';
import { pruneWebhookData } from './prune.js';
import { rateLimitPlugin } from './rate-limit.js';
import { integrationRoutes } from './routes.js';

/**
 * Partner integration: webhook subscriptions and their signed deliveries, the API's rate limits
 * (a plugin every API instance registers app-wide) and the retention of the delivery log. Other
 * modules publish events with `emitEventInTx` from ./events.js.
 */
export const integrationModule: ModuleDefinition = {
  name: 'integration',
  routes: integrationRoutes,
  plugins: [
    async (app, ctx) => {
      await app.register(rateLimitPlugin, { config: ctx.config });
    },
  ],
  workers: (ctx) => {
    const deliverer = createWebhookDeliverer(ctx);
    return [{ queue: WEBHOOK_QUEUE, process: (job) => deliverer.process(job) }];
  },
  maintenance: ({ database, config }) => [
    {
      name: 'webhook-retention',
      run: () => pruneWebhookData(database.db, new Date(), config.webhookRetentionDays),
    },
  ],
};
