import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize, check } from '../../platform/authz.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { ModuleContext } from '../../platform/module.js';
import { enqueueInTx } from '../../platform/outbox.js';
import { pageByIdDesc } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { unknownEventTypes, WEBHOOK_QUEUE } from './events.js';
import { deliveryView, ownerKeyOf, subscriptionView } from './policies.js';
import { integrationNotifications, webhookDeliveries, webhookEndpoints, webhookEvents } from './schema.js';
import { generateSecret, PREVIOUS_SECRET_GRACE_MS, secretSealer } from './signing.js';
import { assertSafeTarget, UnsafeTargetError } from './ssrf.js';

export interface SubscriptionInput {
  url: string;
  description?: string | null;
  eventTypes: string[];
}

/** PostgreSQL text cannot hold NUL: refuse it as a validation error instead of failing later. */
function assertNoNul(description: string | null | undefined): void {
  if (description?.includes('\u0000'))
    throw new ValidationError([{ field: 'body/description', message: 'NUL character', code: 'pattern' }]);
}

/** Every pattern must match at least one listed event type (`GET /v1/webhooks/event-types`). */
function assertKnownEventTypes(patterns: string[]): void {
  const unknown = new Set(unknownEventTypes(patterns));
  if (unknown.size)
    throw new ValidationError(
      patterns.flatMap((p, i) =>
        unknown.has(p)
          ? [{ field: `body/eventTypes/${i}`, code: 'unknown-event-type', message: `no event type ${p}` }]
          : [],
      ),
    );
}

export function createWebhookService(ctx: ModuleContext) {
  const { db } = ctx.database;
  const sealer = secretSealer(ctx.secrets.appSecret);
  const allowPrivate = ctx.config.webhookAllowPrivateTargets;

  async function checkTarget(url: string): Promise<void> {
    try {
      await assertSafeTarget(url, allowPrivate);
    } catch (err) {
      if (!(err instanceof UnsafeTargetError)) throw err;
      throw new UnprocessableError('webhook-target-not-allowed', { reason: err.reason }, [
        { field: 'body/url', message: err.message, code: err.reason },
      ]);
    }
  }

  async function load(p: Principal, id: string, action: 'webhook.read' | 'webhook.manage') {
    const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    // Someone else's subscription answers exactly like a missing one.
    if (!row || check(p, action, row) === 'hide') throw new NotFoundError('webhook-subscription-not-found');
    authorize(p, action, row);
    return row;
  }

  return {
    async list(p: Principal, q: { cursor?: string; limit?: number }) {
      const list = `webhooks:${ownerKeyOf(p)}`;
      const owner = eq(webhookEndpoints.ownerKey, ownerKeyOf(p));
      const page = await pageByIdDesc(
        ctx.cursors,
        list,
        q,
        (before, n) =>
          db
            .select()
            .from(webhookEndpoints)
            .where(before ? and(owner, lt(webhookEndpoints.id, before)) : owner)
            .orderBy(desc(webhookEndpoints.id))
            .limit(n),
        (r) => r.id,
      );
      return { items: page.items.map(subscriptionView), nextCursor: page.nextCursor };
    },

    get: async (p: Principal, id: string) => subscriptionView(await load(p, id, 'webhook.read')),

    async create(p: Principal, input: SubscriptionInput, requestId?: string) {
      if (p.kind === 'user' && p.organisationId && p.orgRole !== 'org_admin')
        throw new ForbiddenError('forbidden', { action: 'webhook.manage' });
      assertNoNul(input.description);
      assertKnownEventTypes(input.eventTypes);
      await checkTarget(input.url);
      const id = newId();
      const secret = generateSecret();
      const [row] = await db.transaction(async (tx) => {
        const rows = await tx
          .insert(webhookEndpoints)
          .values({
            id,
            ownerKey: ownerKeyOf(p),
            organisationId: p.organisationId ?? null,
            url: input.url,
            description: input.description ?? null,
            eventTypes: input.eventTypes,
            secretEnc: sealer.seal(secret, id),
            createdBy: `${p.kind}:${p.id}`,
          })
          .returning();
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'webhook.subscription.create',
          objectType: 'webhook_subscription',
          objectId: id,
          after: subscriptionView(rows[0]!),
          requestId,
        });
        return rows;
      });
      return { ...subscriptionView(row!), secret };
    },

    async update(
      p: Principal,
      id: string,
      patch: Partial<SubscriptionInput> & { status?: 'active' | 'disabled' },
      requestId?: string,
    ) {
      const before = await load(p, id, 'webhook.manage');
      assertNoNul(patch.description);
      if (patch.eventTypes !== undefined) assertKnownEventTypes(patch.eventTypes);
      if (patch.url !== undefined) await checkTarget(patch.url);
      const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: new Date() };
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.eventTypes !== undefined) set.eventTypes = patch.eventTypes;
      if (patch.status === 'active' && before.status !== 'active')
        Object.assign(set, {
          status: 'active',
          disabledReason: null,
          disabledAt: null,
          consecutiveFailures: 0,
          failingSince: null,
        });
      if (patch.status === 'disabled' && before.status !== 'disabled')
        Object.assign(set, { status: 'disabled', disabledReason: 'by-owner', disabledAt: new Date() });
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(webhookEndpoints)
          .set(set)
          .where(eq(webhookEndpoints.id, id))
          .returning();
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'webhook.subscription.update',
          objectType: 'webhook_subscription',
          objectId: id,
          before: subscriptionView(before),
          after: subscriptionView(row!),
          requestId,
        });
        return subscriptionView(row!);
      });
    },

    async remove(p: Principal, id: string, requestId?: string) {
      const before = await load(p, id, 'webhook.manage');
      await db.transaction(async (tx) => {
        await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'webhook.subscription.delete',
          objectType: 'webhook_subscription',
          objectId: id,
          before: subscriptionView(before),
          requestId,
        });
      });
    },

    async rotateSecret(p: Principal, id: string, requestId?: string) {
      const before = await load(p, id, 'webhook.manage');
      const secret = generateSecret();
      const row = await db.transaction(async (tx) => {
        const [r] = await tx
          .update(webhookEndpoints)
          .set({
            secretEnc: sealer.seal(secret, id),
            previousSecretEnc: before.secretEnc,
            previousSecretExpiresAt: new Date(Date.now() + PREVIOUS_SECRET_GRACE_MS),
            updatedAt: new Date(),
          })
          .where(eq(webhookEndpoints.id, id))
          .returning();
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'webhook.subscription.rotate-secret',
          objectType: 'webhook_subscription',
          objectId: id,
          requestId,
        });
        return r!;
      });
      return { ...subscriptionView(row), secret };
    },

    async deliveries(p: Principal, id: string, q: { cursor?: string; limit?: number }) {
      await load(p, id, 'webhook.read');
      const list = `webhook-deliveries:${id}`;
      const mine = eq(webhookDeliveries.endpointId, id);
      const page = await pageByIdDesc(
        ctx.cursors,
        list,
        q,
        (before, n) =>
          db
            .select({ d: webhookDeliveries, type: webhookEvents.type })
            .from(webhookDeliveries)
            .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
            .where(before ? and(mine, lt(webhookDeliveries.id, before)) : mine)
            .orderBy(desc(webhookDeliveries.id))
            .limit(n),
        (r) => r.d.id,
      );
      return { items: page.items.map((r) => deliveryView(r.d, r.type)), nextCursor: page.nextCursor };
    },

    async redeliver(p: Principal, id: string, deliveryId: string, requestId?: string) {
      const endpoint = await load(p, id, 'webhook.manage');
      if (endpoint.status !== 'active') throw new ConflictError('webhook-subscription-disabled');
      const view = await db.transaction(async (tx) => {
        const [found] = await tx
          .select({ d: webhookDeliveries, type: webhookEvents.type })
          .from(webhookDeliveries)
          .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
          .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, id)))
          .for('update');
        if (!found) throw new NotFoundError('webhook-delivery-not-found');
        const [d] = await tx
          .update(webhookDeliveries)
          .set({
            status: 'pending',
            redeliveries: sql`${webhookDeliveries.redeliveries} + 1`,
            nextAttemptAt: null,
            updatedAt: new Date(),
          })
          .where(eq(webhookDeliveries.id, deliveryId))
          .returning();
        await enqueueInTx(
          tx,
          WEBHOOK_QUEUE,
          { deliveryId, windowStart: Date.now(), baseAttempts: d!.attempts },
          { jobId: `webhook-${d!.eventId}-${id}-r${d!.redeliveries}` },
        );
        await recordAudit(tx, {
          actor: actorOf(p),
          action: 'webhook.delivery.redeliver',
          objectType: 'webhook_subscription',
          objectId: id,
          after: { deliveryId },
          requestId,
        });
        return deliveryView(d!, found.type);
      });
      ctx.outbox.kick();
      return view;
    },

    async notifications(p: Principal, q: { cursor?: string; limit?: number }) {
      const list = `integration-notifications:${ownerKeyOf(p)}`;
      const owner = eq(integrationNotifications.ownerKey, ownerKeyOf(p));
      const page = await pageByIdDesc(
        ctx.cursors,
        list,
        q,
        (before, n) =>
          db
            .select()
            .from(integrationNotifications)
            .where(before ? and(owner, lt(integrationNotifications.id, before)) : owner)
            .orderBy(desc(integrationNotifications.id))
            .limit(n),
        (r) => r.id,
      );
      return {
        items: page.items.map((n) => ({
          id: n.id,
          kind: n.kind,
          subscriptionId: n.endpointId,
          detail: n.detail as Record<string, unknown>,
          createdAt: n.createdAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
