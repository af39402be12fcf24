import type { Job } from 'bullmq';
import type { ModuleDefinition } from '../index.js';
import { createWebhookDeliverer } from './delivery.js';
import { WEBHOOK_QUEUE, type WebhookJob } from './events.js';
import { integrationRoutes } from './routes.js';

/**
 * Partner integration: webhook subscriptions and their signed deliveries (the rate-limit plugin
 * is registered app-wide by src/platform/http/app.ts). Other modules publish events with
 * `emitEventInTx` from ./events.js.
 */
export const integrationModule: ModuleDefinition = {
  name: 'integration',
  routes: integrationRoutes,
  workers: (ctx) => {
    const deliverer = createWebhookDeliverer(ctx);
    return [{ queue: WEBHOOK_QUEUE, process: (job: Job) => deliverer.process(job as Job<WebhookJob>) }];
  },
};
