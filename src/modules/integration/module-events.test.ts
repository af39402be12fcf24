import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyWorker } from '../../platform/queue.js';
import { createActor, createClientActor, createOrganisation, createSubCentre } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { startReceiver } from '../../test/fixtures/integration-receiver.js';
import { catalogModule } from '../catalog/module.js';
import { createWebhookDeliverer } from './delivery.js';
import { WEBHOOK_QUEUE, type WebhookJob } from './events.js';
import { integrationRoutes } from './routes.js';

// Modules publish their public changes as webhook events: a partner subscribed to
// `achievement.*` receives a signed `achievement.published` when a listing goes live.
let ctx: TestContext;
let app: FastifyInstance;
let worker: AnyWorker;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

const fixture = useTestApp([integrationRoutes, catalogModule.routes!], {
  env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
  outboxQueues: [WEBHOOK_QUEUE],
});
beforeAll(async () => {
  ({ ctx, app } = fixture);
  const deliverer = createWebhookDeliverer(ctx, { retryDelaysMs: [150, 300] });
  worker = ctx.queues.worker(WEBHOOK_QUEUE, (job) =>
    deliverer.process(job as never as import('bullmq').Job<WebhookJob>),
  );
  ctx.outbox.start();
  receiver = await startReceiver();
});
afterAll(async () => {
  await worker?.close();
  await receiver?.close();
});

describe('module events reach webhooks', () => {
  it('delivers achievement.published, signed, to a subscribed partner', async () => {
    const sub = await createSubCentre(ctx);
    const uni = await createOrganisation(ctx, { type: 'university', subCentre: sub, verified: true });
    const owner = await createActor(ctx, { organisation: uni });
    const registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
    const partner = await createClientActor(ctx, await createOrganisation(ctx, { verified: true }), [
      'webhooks:manage',
    ]);
    const path = `/ok/${ctx.tag}`;
    const created = await app.inject({
      method: 'POST',
      url: '/v1/webhooks/subscriptions',
      headers: partner.headers,
      payload: { url: receiver.url(path), eventTypes: ['achievement.*'], description: 'sync' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { secret } = created.json() as { secret: string };

    const draft = await app.inject({
      method: 'POST',
      url: '/v1/achievements',
      headers: owner.headers,
      payload: achievementFixture(Date.now() % 1e6),
    });
    expect(draft.statusCode, draft.body).toBe(201);
    const id = draft.json().id as string;
    const step = (actor: typeof owner, action: string) =>
      app.inject({
        method: 'POST',
        url: `/v1/achievements/${id}/transitions`,
        headers: actor.headers,
        payload: { action },
      });
    expect((await step(owner, 'submit')).statusCode).toBe(200);
    expect((await step(registrar, 'approve')).statusCode).toBe(200);
    ctx.outbox.kick();

    const deadline = Date.now() + 20_000;
    let hit: (typeof receiver.received)[number] | undefined;
    while (!hit && Date.now() < deadline) {
      hit = receiver.received.find((r) => r.path === path && r.body.includes(id));
      if (!hit) await new Promise((r) => setTimeout(r, 100));
    }
    expect(hit, 'no delivery arrived').toBeDefined();
    const event = new Webhook(secret).verify(hit!.body, hit!.headers) as {
      type: string;
      data: { id: string };
    };
    expect(event.type).toBe('achievement.published');
    expect(event.data.id).toBe(id);
  });
});
