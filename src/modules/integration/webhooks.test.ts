import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyWorker } from '../../platform/queue.js';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createClientActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { startReceiver } from '../../test/fixtures/integration-receiver.js';
import { eventually } from '../../test/wait.js';
import type { Organisation } from '../identity/repository.js';
import { notificationRoutes } from '../notifications/routes.js';
import { notifications } from '../notifications/schema.js';
import { createWebhookDeliverer } from './delivery.js';
import { EVENT_TYPES, emitEventInTx, WEBHOOK_QUEUE, type WebhookJob } from './events.js';
import { integrationRoutes } from './routes.js';
import { webhookDeliveries } from './schema.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: AnyWorker;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let org: Organisation;
let client: TestActor;

async function subscribe(actor: TestActor, url: string, eventTypes = ['test.*']) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/webhooks/subscriptions',
    headers: actor.headers,
    payload: { url, eventTypes, description: 'test' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string; status: string };
}

async function emit(type: string, data: Record<string, unknown> = {}, organisationIds?: string[]) {
  const id = await ctx.database.db.transaction((tx) =>
    emitEventInTx(tx, { type, subjectId: 'subject-1', organisationIds, data }),
  );
  ctx.outbox.kick();
  return id;
}

// Event types of this file only (subscriptions accept listed types): a partner's subscription
// elsewhere in the shared database never receives them.
const TEST_TYPES = ['test.signed', 'test.retry', 'test.again', 'test.down', 'test.down_again', 'test.rotate'];
for (const type of [...TEST_TYPES, 'audience.exact', 'other.thing', 'unrelated.thing'])
  EVENT_TYPES[type] = 'test event';

const fixture = useTestApp([integrationRoutes, notificationRoutes], {
  env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
  outboxQueues: [WEBHOOK_QUEUE],
});
beforeAll(async () => {
  ({ ctx, app } = fixture);
  // The production schedule starts at 30 s; the same code runs here with short steps.
  const deliverer = createWebhookDeliverer(ctx, { retryDelaysMs: [150, 300], maxConsecutiveFailures: 4 });
  worker = ctx.queues.worker(WEBHOOK_QUEUE, (job) =>
    deliverer.process(job as never as import('bullmq').Job<WebhookJob>),
  );
  ctx.outbox.start();
  receiver = await startReceiver();
  org = await createOrganisation(ctx, { verified: true });
  client = await createClientActor(ctx, org, ['webhooks:manage']);
});

afterAll(async () => {
  await worker?.close();
  await receiver?.close();
});

describe('webhook deliveries', () => {
  it('are signed as Standard Webhooks specifies and verify with the standardwebhooks library', async () => {
    const sub = await subscribe(client, receiver.url('/ok/signed'));
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const eventId = await emit('test.signed', { hello: '世界' });
    const got = await eventually('the delivery', async () => receiver.at('/ok/signed')[0]);
    expect(got.headers['webhook-id']).toBe(eventId);
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = new Webhook(sub.secret).verify(got.body, got.headers) as Record<string, unknown>;
    expect(payload).toMatchObject({ id: eventId, type: 'test.signed', data: { hello: '世界' } });
    expect(typeof payload.timestamp).toBe('string');
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got.body, got.headers),
    ).toThrow();

    const log = await eventually('the delivery', async () => {
      const r = await app.inject({
        url: `/v1/webhooks/subscriptions/${sub.id}/deliveries`,
        headers: client.headers,
      });
      const items = r.json().items as { status: string; attempts: number; responseStatus: number }[];
      return items[0]?.status === 'succeeded' ? items : undefined;
    });
    expect(log[0]).toMatchObject({ attempts: 1, responseStatus: 204, eventType: 'test.signed' });
  });

  it('are retried with backoff until the receiver accepts them', async () => {
    const sub = await subscribe(client, receiver.url('/flaky/a/2'));
    await emit('test.retry');
    await eventually('the delivery', async () => receiver.at('/flaky/a/2').length >= 3 || undefined);
    const [first, second, third] = receiver.at('/flaky/a/2');
    // Same message every time (receivers deduplicate on webhook-id), spaced by the schedule.
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(140);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(290);
    const d = await eventually('the delivery', async () => {
      const [row] = await ctx.database.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.endpointId, sub.id));
      return row?.status === 'succeeded' ? row : undefined;
    });
    expect(d).toMatchObject({ attempts: 3, responseStatus: 200, lastError: null });
  });

  it('can be redelivered by hand, with the same webhook-id', async () => {
    const sub = await subscribe(client, receiver.url('/ok/again'));
    const eventId = await emit('test.again');
    await eventually('the delivery', async () => receiver.at('/ok/again')[0]);
    const list = await eventually('the delivery', async () => {
      const r = await app.inject({
        url: `/v1/webhooks/subscriptions/${sub.id}/deliveries`,
        headers: client.headers,
      });
      const items = r.json().items as { id: string; status: string }[];
      return items[0]?.status === 'succeeded' ? items : undefined;
    });
    const res = await app.inject({
      method: 'POST',
      url: `/v1/webhooks/subscriptions/${sub.id}/deliveries/${list[0]!.id}/redeliver`,
      headers: client.headers,
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'pending', eventId });
    const again = await eventually('the delivery', async () => receiver.at('/ok/again')[1]);
    expect(again.headers['webhook-id']).toBe(eventId);
    expect(new Webhook(sub.secret).verify(again.body, again.headers)).toMatchObject({ id: eventId });
  });

  it('disables an endpoint that keeps failing and notifies its owner', async () => {
    const ownerOrg = await createOrganisation(ctx);
    const owner = await createClientActor(ctx, ownerOrg, ['webhooks:manage']);
    const sub = await subscribe(owner, receiver.url('/down/1'));
    await emit('test.down');
    const disabled = await eventually('the delivery', async () => {
      const r = await app.inject({ url: `/v1/webhooks/subscriptions/${sub.id}`, headers: owner.headers });
      return r.json().status === 'disabled' ? (r.json() as { disabledReason: string }) : undefined;
    });
    expect(disabled.disabledReason).toBe('consecutive-failures');
    expect(receiver.at('/down/1')).toHaveLength(4);
    const [row] = await ctx.database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, sub.id));
    expect(row).toMatchObject({ status: 'failed', attempts: 4, responseStatus: 503, lastError: 'HTTP 503' });
    expect(row!.responseBody!.length).toBeLessThanOrEqual(1024);

    const notes = await app.inject({ url: '/v1/webhooks/notifications', headers: owner.headers });
    expect(notes.json().items).toEqual([
      expect.objectContaining({ kind: 'webhook-endpoint-disabled', subscriptionId: sub.id }),
    ]);
    // The organisation's inbox has it too: a person of that organisation sees it once.
    const member = await createActor(ctx, { organisation: ownerOrg });
    const inbox = await app.inject({ url: '/v1/notifications', headers: member.headers });
    expect(inbox.statusCode, inbox.body).toBe(200);
    expect(inbox.json().items).toEqual([
      expect.objectContaining({
        kind: 'webhook.endpoint-disabled',
        audience: 'organisation',
        title: expect.stringContaining(receiver.url('/down/1')),
        data: expect.objectContaining({ subscriptionId: sub.id, reason: 'consecutive-failures' }),
      }),
    ]);
    const audit = await ctx.database.db.select().from(auditEvents).where(eq(auditEvents.objectId, sub.id));
    expect(audit.map((a) => a.action)).toContain('webhook.subscription.disable');
    // Redelivery waits until the owner re-enables the endpoint.
    const redo = await app.inject({
      method: 'POST',
      url: `/v1/webhooks/subscriptions/${sub.id}/deliveries/${row!.id}/redeliver`,
      headers: owner.headers,
    });
    expect(redo.statusCode).toBe(409);
    expect(redo.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it("puts the disabling in a person's own inbox, and a client without organisation has none", async () => {
    const person = await createActor(ctx, { scopes: ['webhooks:manage', 'notifications:read'] });
    const loner = await createClientActor(ctx, undefined, ['webhooks:manage']);
    const subs = [
      await subscribe(person, receiver.url('/down/2')),
      await subscribe(loner, receiver.url('/down/3')),
    ];
    await emit('test.down_again');
    for (const [actor, sub] of [person, loner].map((a, i) => [a, subs[i]!] as const))
      await eventually('the delivery', async () => {
        const r = await app.inject({ url: `/v1/webhooks/subscriptions/${sub.id}`, headers: actor.headers });
        return r.json().status === 'disabled';
      });
    const inbox = await app.inject({ url: '/v1/notifications', headers: person.headers });
    expect(inbox.json().items).toEqual([
      expect.objectContaining({
        kind: 'webhook.endpoint-disabled',
        audience: 'user',
        data: expect.objectContaining({ subscriptionId: subs[0]!.id }),
      }),
    ]);
    const forLoner = await ctx.database.db
      .select()
      .from(notifications)
      .where(sql`${notifications.data}->>'subscriptionId' = ${subs[1]!.id}`);
    expect(forLoner).toEqual([]);
  });

  it('signs with both secrets while a rotated secret is in its grace period', async () => {
    const sub = await subscribe(client, receiver.url('/ok/rotate'));
    const rotated = await app.inject({
      method: 'POST',
      url: `/v1/webhooks/subscriptions/${sub.id}/rotate-secret`,
      headers: client.headers,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret, secretRotatedUntil } = rotated.json() as { secret: string; secretRotatedUntil: string };
    expect(secret).not.toBe(sub.secret);
    expect(Date.parse(secretRotatedUntil) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await emit('test.rotate');
    const got = await eventually('the delivery', async () => receiver.at('/ok/rotate')[0]);
    expect(got.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(secret).verify(got.body, got.headers)).toBeTruthy();
    expect(new Webhook(sub.secret).verify(got.body, got.headers)).toBeTruthy();
  });

  it('reaches only subscriptions whose patterns and organisation match', async () => {
    const sub = await subscribe(client, receiver.url('/ok/audience'), ['audience.exact', 'other.*']);
    const mine = await emit('audience.exact', {}, [org.id]);
    const foreign = await emit('audience.exact', {}, [(await createOrganisation(ctx)).id]);
    const wildcard = await emit('other.thing');
    await emit('unrelated.thing');
    // Fan-out happens in the emitting transaction: the endpoint's deliveries are known now, and
    // once each has succeeded nothing more can arrive.
    const deliveries = async () =>
      ctx.database.db
        .select({ eventId: webhookDeliveries.eventId, status: webhookDeliveries.status })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.endpointId, sub.id));
    expect((await deliveries()).map((d) => d.eventId).sort()).toEqual([mine, wildcard].sort());
    await expect
      .poll(async () => (await deliveries()).map((d) => d.status))
      .toEqual(['succeeded', 'succeeded']);
    const ids = receiver.at('/ok/audience').map((r) => r.headers['webhook-id']);
    expect(ids.sort()).toEqual([mine, wildcard].sort());
    expect(ids).not.toContain(foreign);
    expect(sub.status).toBe('active');
  });

  it('of another organisation are neither visible nor changeable (404)', async () => {
    const sub = await subscribe(client, receiver.url('/ok/private'));
    const other = await createClientActor(ctx, await createOrganisation(ctx), ['webhooks:manage']);
    for (const req of [
      { method: 'GET' as const, url: `/v1/webhooks/subscriptions/${sub.id}` },
      {
        method: 'PATCH' as const,
        url: `/v1/webhooks/subscriptions/${sub.id}`,
        payload: { description: 'mine' },
      },
      { method: 'DELETE' as const, url: `/v1/webhooks/subscriptions/${sub.id}` },
      { method: 'POST' as const, url: `/v1/webhooks/subscriptions/${sub.id}/rotate-secret` },
      { method: 'GET' as const, url: `/v1/webhooks/subscriptions/${sub.id}/deliveries` },
    ]) {
      const res = await app.inject({ ...req, headers: other.headers });
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(404);
      expect(res.json().type).toBe('/problems/webhook-subscription-not-found');
    }
    const theirs = await app.inject({ url: '/v1/webhooks/subscriptions', headers: other.headers });
    expect(theirs.json().items).toEqual([]);
    const mine = await app.inject({ url: '/v1/webhooks/subscriptions?limit=100', headers: client.headers });
    expect(mine.json().items.map((s: { id: string }) => s.id)).toContain(sub.id);
    const still = await app.inject({ url: `/v1/webhooks/subscriptions/${sub.id}`, headers: client.headers });
    expect(still.json().description).toBe('test');
  });

  it('accept every listed event type and family, and refuse unknown ones', async () => {
    const owner = await createClientActor(ctx, await createOrganisation(ctx), ['webhooks:manage']);
    const listed = await app.inject({ url: '/v1/webhooks/event-types', headers: owner.headers });
    const types = listed.json().items.map((i: { type: string }) => i.type) as string[];
    expect(types).toContain('interest.contract-linked');
    const all = await app.inject({
      method: 'POST',
      url: '/v1/webhooks/subscriptions',
      headers: owner.headers,
      payload: { url: receiver.url('/ok/types'), eventTypes: [...types, 'interest.*', '*'] },
    });
    expect(all.statusCode, all.body).toBe(201);
    for (const eventTypes of [
      ['nosuch.type'],
      ['interest.contract-linked', 'nosuch.*'],
      ['achievement.publish'],
    ]) {
      const refused = await app.inject({
        method: 'POST',
        url: '/v1/webhooks/subscriptions',
        headers: owner.headers,
        payload: { url: receiver.url('/ok/types'), eventTypes },
      });
      expect(refused.statusCode, eventTypes.join()).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json().errors).toEqual([
        expect.objectContaining({
          field: `body/eventTypes/${eventTypes.length - 1}`,
          code: 'unknown-event-type',
        }),
      ]);
    }
    const patched = await app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/subscriptions/${all.json().id}`,
      headers: owner.headers,
      payload: { eventTypes: ['nosuch.type'] },
    });
    expect(patched.statusCode).toBe(400);
  });

  it('are paginated by cursor and can be changed and deleted by their owner', async () => {
    const owner = await createClientActor(ctx, await createOrganisation(ctx), ['webhooks:manage']);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await subscribe(owner, receiver.url(`/ok/page${i}`))).id);
    const p1 = await app.inject({ url: '/v1/webhooks/subscriptions?limit=2', headers: owner.headers });
    const p2 = await app.inject({
      url: `/v1/webhooks/subscriptions?limit=2&cursor=${encodeURIComponent(p1.json().nextCursor)}`,
      headers: owner.headers,
    });
    expect([...p1.json().items, ...p2.json().items].map((s: { id: string }) => s.id)).toEqual(ids.reverse());
    expect(p2.json().nextCursor).toBeNull();
    const patched = await app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/subscriptions/${ids[0]}`,
      headers: owner.headers,
      payload: { eventTypes: ['voucher.issued'], status: 'disabled' },
    });
    expect(patched.json()).toMatchObject({
      eventTypes: ['voucher.issued'],
      status: 'disabled',
      disabledReason: 'by-owner',
    });
    const nul = await app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/subscriptions/${ids[0]}`,
      headers: owner.headers,
      payload: { description: 'a\u0000b' },
    });
    expect(nul.statusCode).toBe(400);
    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/subscriptions/${ids[0]}`,
      headers: owner.headers,
    });
    expect(del.statusCode).toBe(204);
    const gone = await app.inject({ url: `/v1/webhooks/subscriptions/${ids[0]}`, headers: owner.headers });
    expect(gone.statusCode).toBe(404);
  });
});
