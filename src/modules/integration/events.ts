import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { enqueueInTx } from '../../platform/outbox.js';
import { webhookDeliveries, webhookEvents } from './schema.js';

/**
 * The public service other modules use to tell partners what happened: `emitEventInTx` records
 * the event in the caller's transaction and fans it out, through the outbox, to every active
 * subscription whose patterns match and whose organisation may receive it. Call
 * `ctx.outbox.kick()` after the transaction commits.
 */
export const WEBHOOK_QUEUE = 'integration.webhook';

export interface WebhookJob {
  deliveryId: string;
  /** Set on a manual redelivery: its own 24-hour retry window starts then (ms since epoch). */
  windowStart?: number;
  /** Attempts already made before this series (the backoff restarts for a redelivery). */
  baseAttempts?: number;
}

declare module '../../platform/queue.js' {
  interface QueueRegistry {
    [WEBHOOK_QUEUE]: WebhookJob;
  }
}

/** Event types emitted (or planned) by the modules; subscriptions may also use wildcards. */
export const EVENT_TYPES: Record<string, string> = {
  'achievement.published': '科技成果发布 / an achievement was published',
  'achievement.updated': '科技成果更新 / a published achievement changed',
  'achievement.withdrawn': '科技成果下架 / an achievement was withdrawn',
  'achievement.expired': '科技成果到期 / an achievement expired',
  'need.published': '技术需求发布 / a need was published',
  'need.updated': '技术需求更新 / a published need changed',
  'need.withdrawn': '技术需求下架 / a need was withdrawn',
  'need.expired': '技术需求到期 / a need expired',
  'interest.created': '收到合作意向 / an interest was expressed',
  'interest.answered': '合作意向已答复 / an interest was accepted or declined',
  'match.suggested': '撮合推荐 / a new match was suggested',
  'contract.submitted': '技术合同提交登记 / a contract was submitted for registration',
  'contract.registered': '技术合同登记完成 / a contract was registered',
  'contract.refused': '技术合同不予登记 / a registration was refused',
  'voucher.issued': '数据交易凭证签发 / a voucher was issued',
  'voucher.revoked': '数据交易凭证撤销 / a voucher was revoked',
};

export interface EventInput {
  type: string;
  subjectId: string;
  /** Organisations that may receive it; omit for a public event. */
  organisationIds?: string[];
  data: Record<string, unknown>;
}

export function eventTypeMatches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}

export async function emitEventInTx(tx: DbOrTx, input: EventInput): Promise<string> {
  const eventId = newId();
  await tx.insert(webhookEvents).values({
    id: eventId,
    type: input.type,
    subjectId: input.subjectId,
    organisationIds: input.organisationIds ?? null,
    data: input.data,
  });
  // Matching in SQL (same rule as eventTypeMatches) so the fan-out reads only what it needs.
  // The audience travels as one text parameter (drizzle would expand an array into a list).
  const audience = input.organisationIds ? input.organisationIds.join(',') : null;
  const targets = await tx.execute<{ id: string }>(sql`
    SELECT e.id FROM webhook_endpoints e
    WHERE e.status = 'active'
      AND (${audience}::text IS NULL
           OR e.organisation_id = ANY(string_to_array(${audience}::text, ',')::uuid[]))
      AND EXISTS (
        SELECT 1 FROM unnest(e.event_types) p
        WHERE p = '*' OR p = ${input.type}
           OR (right(p, 2) = '.*' AND starts_with(${input.type}, left(p, -1))))`);
  for (const { id: endpointId } of targets.rows) {
    const deliveryId = newId();
    await tx.insert(webhookDeliveries).values({ id: deliveryId, eventId, endpointId });
    await enqueueInTx(tx, WEBHOOK_QUEUE, { deliveryId }, { jobId: `webhook-${eventId}-${endpointId}` });
  }
  return eventId;
}
