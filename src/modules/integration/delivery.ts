import { DelayedError, type Job } from 'bullmq';
import { eq, sql } from 'drizzle-orm';
import { recordAudit } from '../../platform/audit.js';
import { newId } from '../../platform/ids.js';
import type { ModuleContext } from '../../platform/module.js';
import { type NotificationInput, notifyInTx } from '../notifications/index.js';
import type { WebhookJob } from './events.js';
import { postWebhook } from './http-post.js';
import { integrationNotifications, webhookDeliveries, webhookEndpoints, webhookEvents } from './schema.js';
import { secretSealer, signDelivery } from './signing.js';

/**
 * The `integration.webhook` worker: one attempt per run. A failed attempt is recorded and the
 * same job is moved back to BullMQ's delayed set for the next step of the backoff (so retries
 * survive restarts and need no timer of ours), until 24 hours after the event (or after a manual
 * redelivery). An endpoint that keeps failing is disabled and its owner notified.
 */
export const DEFAULT_RETRY_DELAYS_MS = [30e3, 120e3, 600e3, 1800e3, 3600e3, 7200e3, 14_400e3, 28_800e3];
export const RETRY_WINDOW_MS = 24 * 3600_000;

export interface DelivererOptions {
  /** Delay before attempt n+1 after n failures; the last one repeats. */
  retryDelaysMs?: number[];
  retryWindowMs?: number;
  /** Disable after this many failed attempts in a row (besides 24 h of failures). */
  maxConsecutiveFailures?: number;
  timeoutMs?: number;
}

/**
 * The same notice in the owner's in-app inbox: its organisation, else the person (`user:<id>`).
 * A client without an organisation has no inbox; it reads GET /v1/webhooks/notifications.
 */
function inboxNotice(
  endpoint: typeof webhookEndpoints.$inferSelect,
  reason: string,
  failures: number,
  disabledAt: Date,
): NotificationInput[] {
  const recipient = endpoint.organisationId
    ? { organisationId: endpoint.organisationId }
    : endpoint.ownerKey.startsWith('user:')
      ? { userId: endpoint.ownerKey.slice('user:'.length) }
      : undefined;
  if (!recipient) return [];
  const why = reason === 'failing-24h' ? '连续 24 小时投递失败' : `连续 ${failures} 次投递失败`;
  return [
    {
      recipient,
      kind: 'webhook.endpoint-disabled',
      title: `Webhook 订阅已停用（${why}）：${endpoint.url}`,
      data: { subscriptionId: endpoint.id, url: endpoint.url, reason, consecutiveFailures: failures },
      // One notice per disabling: re-enabled and disabled again is told again.
      dedupKey: `webhook.endpoint-disabled:${endpoint.id}:${disabledAt.toISOString()}`,
    },
  ];
}

export function createWebhookDeliverer(ctx: ModuleContext, opts: DelivererOptions = {}) {
  const { db } = ctx.database;
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const windowMs = opts.retryWindowMs ?? RETRY_WINDOW_MS;
  const maxFailures = opts.maxConsecutiveFailures ?? 1000;
  const sealer = secretSealer(ctx.secrets.appSecret);

  async function disable(endpoint: typeof webhookEndpoints.$inferSelect, reason: string, failures: number) {
    await db.transaction(async (tx) => {
      const disabledAt = new Date();
      const [row] = await tx
        .update(webhookEndpoints)
        .set({ status: 'disabled', disabledReason: reason, disabledAt, updatedAt: disabledAt })
        .where(sql`${webhookEndpoints.id} = ${endpoint.id} AND ${webhookEndpoints.status} = 'active'`)
        .returning({ id: webhookEndpoints.id });
      if (!row) return; // someone else disabled it first
      await tx.insert(integrationNotifications).values({
        id: newId(),
        ownerKey: endpoint.ownerKey,
        kind: 'webhook-endpoint-disabled',
        endpointId: endpoint.id,
        detail: { url: endpoint.url, reason, consecutiveFailures: failures },
      });
      await notifyInTx(tx, inboxNotice(endpoint, reason, failures, disabledAt));
      await recordAudit(tx, {
        actor: { type: 'system', id: 'integration.webhook' },
        action: 'webhook.subscription.disable',
        objectType: 'webhook_subscription',
        objectId: endpoint.id,
        after: { status: 'disabled', reason, consecutiveFailures: failures },
      });
    });
  }

  async function process(job: Job<WebhookJob>): Promise<string> {
    const [found] = await db
      .select({ d: webhookDeliveries, e: webhookEndpoints, ev: webhookEvents })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(eq(webhookDeliveries.id, job.data.deliveryId));
    if (!found) return 'gone'; // the subscription was deleted
    const { d, e, ev } = found;
    if (d.status === 'succeeded') return 'already-delivered';
    if (e.status !== 'active') {
      await db
        .update(webhookDeliveries)
        .set({
          status: 'failed',
          lastError: 'subscription disabled',
          nextAttemptAt: null,
          updatedAt: new Date(),
        })
        .where(eq(webhookDeliveries.id, d.id));
      return 'disabled';
    }

    const now = new Date();
    const secrets = [sealer.open(e.secretEnc, e.id)];
    if (e.previousSecretEnc && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now)
      secrets.push(sealer.open(e.previousSecretEnc, e.id));
    const body = JSON.stringify({
      id: ev.id,
      type: ev.type,
      timestamp: ev.occurredAt.toISOString(),
      data: ev.data,
    });
    const result = await postWebhook(e.url, { ...signDelivery(secrets, ev.id, now, body) }, body, {
      allowPrivate: ctx.config.webhookAllowPrivateTargets,
      timeoutMs: opts.timeoutMs,
    });
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    const attempt = {
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      responseStatus: result.status ?? null,
      responseBody: result.body || null,
      durationMs: result.durationMs,
      lastError: ok ? null : (result.error ?? `HTTP ${result.status}`),
      lastAttemptAt: now,
      updatedAt: now,
    };
    if (ok) {
      await db.transaction(async (tx) => {
        await tx
          .update(webhookDeliveries)
          .set({ ...attempt, status: 'succeeded', nextAttemptAt: null })
          .where(eq(webhookDeliveries.id, d.id));
        await tx
          .update(webhookEndpoints)
          .set({ consecutiveFailures: 0, failingSince: null })
          .where(eq(webhookEndpoints.id, e.id));
      });
      return 'delivered';
    }

    const [streak] = await db
      .update(webhookEndpoints)
      .set({
        consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        failingSince: sql`coalesce(${webhookEndpoints.failingSince}, now())`,
      })
      .where(eq(webhookEndpoints.id, e.id))
      .returning({ failures: webhookEndpoints.consecutiveFailures, since: webhookEndpoints.failingSince });
    const failures = streak?.failures ?? 0;
    const failing24h = !!streak?.since && now.getTime() - streak.since.getTime() >= RETRY_WINDOW_MS;
    const reason = failures >= maxFailures ? 'consecutive-failures' : failing24h ? 'failing-24h' : undefined;

    const made = d.attempts + 1 - (job.data.baseAttempts ?? 0);
    const delay = delays[Math.min(made - 1, delays.length - 1)] ?? delays[delays.length - 1]!;
    const windowStart = job.data.windowStart ?? ev.occurredAt.getTime();
    const retryAt = Date.now() + delay;
    const giveUp = !!reason || retryAt > windowStart + windowMs;
    await db
      .update(webhookDeliveries)
      .set({
        ...attempt,
        status: giveUp ? 'failed' : 'retrying',
        nextAttemptAt: giveUp ? null : new Date(retryAt),
      })
      .where(eq(webhookDeliveries.id, d.id));
    if (reason) await disable(e, reason, failures);
    if (giveUp) return 'failed';
    // Back into the delayed set without counting a BullMQ attempt: our schedule, not BullMQ's.
    await job.moveToDelayed(retryAt, job.token);
    throw new DelayedError();
  }

  return { process };
}
