/**
 * Test helpers for module events (not loaded by the service): subscribe a partner, wait for a
 * signed delivery and verify it as a receiver would, and list which endpoints an event reached.
 */
import type { Job } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { ModuleRoutes } from '../../platform/http/app.js';
import type { AnyWorker } from '../../platform/queue.js';
import type { TestActor } from '../../test/actors.js';
import { buildTestApp, createTestContext, type TestContext } from '../../test/context.js';
import { voucherParts, voucherWorkers } from '../vouchers/jobs.js';
import { ISSUE_QUEUE } from '../vouchers/request.js';
import { createWebhookDeliverer } from './delivery.js';
import { WEBHOOK_QUEUE, type WebhookJob } from './events.js';
import { integrationRoutes } from './routes.js';
import { webhookDeliveries, webhookEvents } from './schema.js';
import { startReceiver } from './test-receiver.js';

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export interface Subscriber {
  id: string;
  secret: string;
  path: string;
}

export async function subscribe(
  app: FastifyInstance,
  receiver: Receiver,
  actor: TestActor,
  path: string,
  eventTypes: string[],
): Promise<Subscriber> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/webhooks/subscriptions',
    headers: actor.headers,
    payload: { url: receiver.url(path), eventTypes, description: 'events test' },
  });
  expect(res.statusCode, res.body).toBe(201);
  const { id, secret } = res.json() as { id: string; secret: string };
  return { id, secret, path };
}

export interface Delivered {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** The first delivery to `sub` of an event of `type` whose data matches; its signature verified. */
export async function received(
  receiver: Receiver,
  sub: Subscriber,
  type: string,
  match: (data: Record<string, unknown>) => boolean,
  ms = 25_000,
): Promise<Delivered> {
  const end = Date.now() + ms;
  for (;;) {
    for (const r of receiver.at(sub.path)) {
      // Throws on a wrong signature, timestamp or id: what a partner's receiver checks.
      const event = new Webhook(sub.secret).verify(r.body, r.headers) as Delivered;
      if (event.type === type && match(event.data)) return event;
    }
    if (Date.now() > end) throw new Error(`no ${type} reached ${sub.path}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Event types recorded for `subjectId` that have a delivery to this endpoint. */
export async function typesDeliveredTo(ctx: TestContext, endpointId: string, subjectId: string) {
  const rows = await ctx.database.db
    .select({ type: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookEvents.subjectId, subjectId)));
  return rows.map((r) => r.type).sort();
}

/** The recorded events of a subject, with their audience. */
export async function eventsOf(ctx: TestContext, subjectId: string) {
  return ctx.database.db
    .select({ type: webhookEvents.type, organisationIds: webhookEvents.organisationIds })
    .from(webhookEvents)
    .where(eq(webhookEvents.subjectId, subjectId));
}

export interface EventHarness {
  ctx: TestContext;
  app: FastifyInstance;
  receiver: Receiver;
  close(): Promise<void>;
}

/**
 * A test app with the webhook routes plus `routes`, the webhook deliverer and the voucher issuer
 * running (short retry delays), the outbox dispatching both, and a receiver on a real port.
 */
export async function startEventHarness(routes: ModuleRoutes[]): Promise<EventHarness> {
  const ctx = await createTestContext(
    { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
    { outboxQueues: [WEBHOOK_QUEUE, ISSUE_QUEUE] },
  );
  const app = await buildTestApp(ctx, [integrationRoutes, ...routes]);
  const deliverer = createWebhookDeliverer(ctx, { retryDelaysMs: [150, 300] });
  const workers: AnyWorker[] = [
    ctx.queues.worker(WEBHOOK_QUEUE, (job) => deliverer.process(job as never as Job<WebhookJob>)),
  ];
  for (const def of voucherWorkers(ctx))
    workers.push(ctx.queues.worker(def.queue as never, def.process, { concurrency: def.concurrency }));
  voucherParts(ctx).issuer.start();
  ctx.outbox.start();
  const receiver = await startReceiver();
  return {
    ctx,
    app,
    receiver,
    async close() {
      await voucherParts(ctx).issuer.stop();
      await Promise.all(workers.map((w) => w.close()));
      await app.close();
      await receiver.close();
      await ctx.close();
    },
  };
}
