import { inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config.js';
import { newId } from '../../platform/ids.js';
import { createOrganisation } from '../../test/actors.js';
import { useTestContext } from '../../test/app.js';
import { type TestContext, testConfig } from '../../test/context.js';
import { pruneWebhookData } from './prune.js';
import { type WebhookDeliveryStatus, webhookDeliveries, webhookEndpoints, webhookEvents } from './schema.js';

// The shared test database holds other files' rows, all recent: this file backdates its own
// rows and prunes with the real clock, so it never deletes anything another file is using.
let ctx: TestContext;
let endpointId: string;
const DAY = 86_400_000;

const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
  const org = await createOrganisation(ctx, { verified: true });
  endpointId = newId();
  await ctx.database.db.insert(webhookEndpoints).values({
    id: endpointId,
    ownerKey: `org:${org.id}`,
    organisationId: org.id,
    url: 'https://partner.example/hook',
    eventTypes: ['*'],
    secretEnc: 'unused',
    createdBy: 'test',
  });
});

/** An event `ageDays` old, with a delivery in `status` last changed `touchedDays` ago (or none). */
async function event(ageDays: number, delivery?: { status: WebhookDeliveryStatus; touchedDays: number }) {
  const now = Date.now();
  const id = newId();
  await ctx.database.db.insert(webhookEvents).values({
    id,
    type: 'test.prune',
    subjectId: `prune-${ctx.tag}`,
    data: {},
    occurredAt: new Date(now - ageDays * DAY),
  });
  if (delivery)
    await ctx.database.db.insert(webhookDeliveries).values({
      id: newId(),
      eventId: id,
      endpointId,
      status: delivery.status,
      createdAt: new Date(now - ageDays * DAY),
      updatedAt: new Date(now - delivery.touchedDays * DAY),
    });
  return id;
}

async function surviving(ids: Record<string, string>) {
  const events = await ctx.database.db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(inArray(webhookEvents.id, Object.values(ids)));
  const deliveries = await ctx.database.db
    .select({ eventId: webhookDeliveries.eventId })
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.eventId, Object.values(ids)));
  const name = (id: string) => Object.entries(ids).find(([, v]) => v === id)![0];
  return {
    events: events.map((e) => name(e.id)).sort(),
    deliveries: deliveries.map((d) => name(d.eventId)).sort(),
  };
}

describe('pruneWebhookData', () => {
  it('drops finished deliveries and unreferenced events past the retention, and nothing else', async () => {
    const ids = {
      oldSucceeded: await event(40, { status: 'succeeded', touchedDays: 40 }),
      oldFailed: await event(40, { status: 'failed', touchedDays: 39 }),
      oldRetrying: await event(40, { status: 'retrying', touchedDays: 40 }),
      oldPending: await event(45, { status: 'pending', touchedDays: 45 }),
      oldRedelivered: await event(40, { status: 'succeeded', touchedDays: 2 }),
      recentSucceeded: await event(10, { status: 'succeeded', touchedDays: 10 }),
      oldUndelivered: await event(31),
      recentUndelivered: await event(29),
    };
    const pruned = await pruneWebhookData(ctx.database.db, new Date());
    expect(pruned.deliveries).toBeGreaterThanOrEqual(2);
    expect(pruned.events).toBeGreaterThanOrEqual(3);
    const kept = ['oldPending', 'oldRedelivered', 'oldRetrying', 'recentSucceeded'];
    expect(await surviving(ids)).toEqual({
      events: [...kept, 'recentUndelivered'].sort(),
      deliveries: kept,
    });

    // A shorter retention reaches the 10-day-old log; pending and retrying stay whatever their age.
    await pruneWebhookData(ctx.database.db, new Date(), 7);
    expect(await surviving(ids)).toEqual({
      events: ['oldPending', 'oldRedelivered', 'oldRetrying'],
      deliveries: ['oldPending', 'oldRedelivered', 'oldRetrying'],
    });
  });

  it('takes its retention from WEBHOOK_RETENTION_DAYS (30 days unless set, at least 1)', () => {
    expect(testConfig().webhookRetentionDays).toBe(30);
    expect(testConfig({ WEBHOOK_RETENTION_DAYS: '90' }).webhookRetentionDays).toBe(90);
    expect(() => testConfig({ WEBHOOK_RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => testConfig({ WEBHOOK_RETENTION_DAYS: 'a month' })).toThrow(ConfigError);
  });
});
