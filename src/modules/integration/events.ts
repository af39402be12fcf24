import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { enqueueManyInTx } from '../../platform/outbox.js';
import { assertJobId } from '../../platform/queue.js';
import { jsonbTextWith, raw, type Text, text } from '../../platform/statement.js';
import { webhookDeliveries } from './schema.js';

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
  'interest.negotiating': '合作意向进入洽谈 / an interest moved to negotiation',
  'interest.deal': '合作意向达成交易 / an interest ended in a deal',
  'interest.withdrawn': '合作意向已撤回 / an interest was withdrawn',
  'interest.closed': '合作意向已关闭 / an interest was closed without a deal',
  'interest.contract-linked': '合作意向关联技术合同 / a registered contract was linked to an interest',
  'match.suggested': '撮合推荐 / a new match was suggested',
  'alert.matched': '订阅检索命中 / a listing matched a saved search',
  'contract.submitted': '技术合同提交登记 / a contract was submitted for registration',
  'contract.registered': '技术合同登记完成 / a contract was registered',
  'contract.refused': '技术合同不予登记 / a registration was refused',
  'service-request.quoted': '收到服务报价 / an institution quoted for a service request',
  'service-request.quote-withdrawn': '服务报价已撤回 / an institution withdrew its quote',
  'service-request.closed': '服务需求已关闭 / the requester closed its request (no more quotes)',
  'service-order.created': '服务订单已下单 / a buyer accepted a quote: an order was made',
  'service-order.started': '服务已开始 / the institution started the service',
  'service-order.milestone': '服务进度更新 / the institution reported a milestone',
  'service-order.delivered': '服务成果已交付 / the institution delivered',
  'service-order.accepted-by-buyer': '服务成果已验收 / the buyer accepted the delivery',
  'service-order.disputed': '服务订单争议 / the buyer disputed the delivery',
  'service-order.resolved': '服务订单争议已处理 / the sub-centre resolved a dispute',
  'service-order.closed': '服务订单完结 / an order was closed',
  'service-order.cancelled': '服务订单取消 / an order was cancelled',
  'service-order.rated': '服务订单评价 / the buyer rated an order',
  'service-order.rating-answered': '服务评价回复 / the institution answered a rating',
  'voucher.issued': '数据交易凭证签发 / a voucher was issued',
  'voucher.revoked': '数据交易凭证撤销 / a voucher was revoked',
  'price-notice.published': '协议定价公示发布 / a negotiated price was put on public notice',
  'price-notice.objected': '协议定价公示收到异议 / an objection was raised to a price notice',
  'price-notice.answered': '协议定价公示异议已答复 / the owner answered an objection',
  'price-notice.withdrawn': '协议定价公示已撤回 / the owner withdrew a price notice during its period',
  'technology-manager.registered': '技术经理人登记 / a technology manager was registered',
  'technology-manager.updated': '技术经理人信息变更 / a technology manager was updated',
  'technology-manager.reviewed': '技术经理人登记审核 / a registration was approved, rejected or revoked',
  'technology-manager.broker-named': '指定技术经理人居间 / a technology manager was named as broker',
  'investor.updated': '投资机构信息更新 / an investor profile was stated or changed',
  'roadshow.created': '路演发布 / a roadshow was created',
  'roadshow.updated': '路演信息变更 / the organiser edited a roadshow before it started',
  'roadshow.cancelled': '路演取消 / the organiser cancelled a roadshow before it started',
  'roadshow.presentation-applied': '路演项目报名 / a project applied to present at a roadshow',
  'roadshow.presentation-decided': '路演项目审核 / the organiser accepted or declined a presentation',
  'roadshow.investor-registered': '投资机构报名路演 / an investor registered for a roadshow',
  'investment-interest.created': '收到投资意向 / an investment interest was expressed',
  'investment-interest.answered': '投资意向已答复 / an investment interest was accepted or declined',
  'investment-interest.withdrawn': '投资意向已撤回 / an investment interest was withdrawn',
  'evaluation.concluded': '成果评价完成 / an expert panel concluded an evaluation',
  'valuation.recorded': '资产评估登记 / a valuation of an achievement was recorded',
};

export interface EventInput {
  type: string;
  subjectId: string;
  /** Organisations that may receive it; omit for a public event, `[]` for none (recorded only). */
  organisationIds?: string[];
  data: Record<string, unknown>;
}

/**
 * The patterns among `patterns` that no listed event type matches (a subscription to them would
 * never receive anything: a typo, or a type that does not exist).
 */
export function unknownEventTypes(patterns: string[]): string[] {
  const types = Object.keys(EVENT_TYPES);
  return patterns.filter((p) => !types.some((t) => eventTypeMatches(p, t)));
}

export function eventTypeMatches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}

export async function emitEventInTx(tx: DbOrTx, input: EventInput): Promise<string> {
  const [id] = await emitEventsInTx(tx, [input]);
  return id!;
}

/**
 * `emitEventInTx` for many events in a fixed number of statements whatever the count (the
 * voucher issuer emits one per voucher of a batch). An empty `organisationIds` reaches nobody:
 * the event is recorded, but no subscription receives it. Returns the event ids in order.
 */
export async function emitEventsInTx(tx: DbOrTx, inputs: EventInput[]): Promise<string[]> {
  if (inputs.length === 0) return [];
  const events = inputs.map((input) => ({
    id: newId(),
    type: input.type,
    subject_id: input.subjectId,
    audience: input.organisationIds ? [...new Set(input.organisationIds)] : null,
    data: input.data,
  }));
  // One statement records the events and finds their subscriptions (matching in SQL, the same
  // rule as eventTypeMatches), so an emitter inside a hot transaction pays one round trip. The
  // events travel as one JSON parameter, whatever their number. KEY SHARE: a subscription deleted
  // meanwhile waits for this transaction instead of failing its delivery rows' foreign key.
  const targets = await tx.execute<{ event_id: string; endpoint_id: string }>(sql`
    WITH ev AS (
      INSERT INTO webhook_events (id, type, subject_id, organisation_ids, data)
      SELECT id, type, subject_id, audience, data
      FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
        AS r(id uuid, type text, subject_id text, audience uuid[], data jsonb)
      RETURNING id, type, organisation_ids)
    SELECT ev.id AS event_id, e.id AS endpoint_id
    FROM ev JOIN webhook_endpoints e ON e.status = 'active'
      AND (ev.organisation_ids IS NULL OR e.organisation_id = ANY(ev.organisation_ids))
      AND EXISTS (
        SELECT 1 FROM unnest(e.event_types) p
        WHERE p = '*' OR p = ev.type
           OR (right(p, 2) = '.*' AND starts_with(ev.type, left(p, -1))))
    FOR KEY SHARE OF e`);
  // In slices: a statement takes at most 65,535 parameters.
  for (let i = 0; i < targets.rows.length; i += 1000) {
    const deliveries = targets.rows
      .slice(i, i + 1000)
      .map((t) => ({ id: newId(), eventId: t.event_id, endpointId: t.endpoint_id }));
    await tx.insert(webhookDeliveries).values(deliveries);
    await enqueueManyInTx(
      tx,
      WEBHOOK_QUEUE,
      deliveries.map((d) => ({
        payload: { deliveryId: d.id },
        jobId: `webhook-${d.eventId}-${d.endpointId}`,
      })),
    );
  }
  return events.map((e) => e.id);
}

/** An event whose subscriptions are found (and held: KEY SHARE), to be written by `eventCtesText`. */
export interface PreparedEvent {
  id: string;
  input: EventInput;
  deliveries: { id: string; endpointId: string; jobId: string }[];
}

/**
 * First half of `emitEventInTx` for a caller that writes the event inside a statement of its
 * own (platform/statement.ts), e.g. under a hot lock: the matching active subscriptions as a
 * scalar subquery (a JSON array of endpoint ids) of the caller's statement that reads before it writes, e.g. the one locking the event's subject: the same rule
 * and KEY SHARE lock, for the audience `audienceSql` (SQL of that statement, a uuid[]), with no
 * round trip of its own. Hand its result to `preparedEvent`.
 */
export function subscribedEndpointsText(type: string, audienceSql: string): Text {
  return text`(SELECT coalesce(json_agg(m.id), '[]'::json) FROM (
      SELECT e.id FROM webhook_endpoints e
      WHERE e.status = 'active' AND e.organisation_id = ANY(${raw(audienceSql)})
        AND EXISTS (
          SELECT 1 FROM unnest(e.event_types) p
          WHERE p = '*' OR p = ${type}::text
             OR (right(p, 2) = '.*' AND starts_with(${type}::text, left(p, -1))))
      FOR KEY SHARE OF e) m)`;
}

/** The event `input` for the subscriptions `endpointIds` found for it (`subscribedEndpointsText`). */
export function preparedEvent(
  input: EventInput,
  endpointIds: readonly string[],
  id = newId(),
): PreparedEvent {
  const deliveries = endpointIds.map((endpointId) => ({
    id: newId(),
    endpointId,
    jobId: `webhook-${id}-${endpointId}`,
  }));
  for (const d of deliveries) assertJobId(d.jobId);
  return { id, input, deliveries };
}

/**
 * Second half: the event, its deliveries and their outbox jobs as CTEs of the caller's
 * statement (a `Text`, platform/statement.ts), written once per row of `from` (a CTE of it), with
 * `lateValue` (SQL of that statement, e.g. the registration number it allocates) at `dataPaths`
 * of the event's data.
 */
export function eventCtesText(
  name: string,
  e: PreparedEvent,
  from: string,
  lateValue?: string,
  dataPaths: string[][] = [],
): Text {
  const ev = raw(`${name}_event`);
  const targets = raw(`${name}_targets`);
  const audience = e.input.organisationIds;
  const rows = e.deliveries.map((d) => ({
    id: d.id,
    endpoint_id: d.endpointId,
    job: newId(),
    job_id: d.jobId,
  }));
  return text`${ev} AS (
      INSERT INTO webhook_events (id, type, subject_id, organisation_ids, data)
      SELECT ${e.id}::uuid, ${e.input.type}, ${e.input.subjectId},
             ${audience ? `{${audience.join(',')}}` : null}::uuid[], ${jsonbTextWith(e.input.data, lateValue, dataPaths)}
      FROM ${raw(from)}
      RETURNING id),
    ${targets} AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS d(id uuid, endpoint_id uuid, job uuid, job_id text)),
    ${raw(`${name}_deliveries`)} AS (
      INSERT INTO webhook_deliveries (id, event_id, endpoint_id)
      SELECT ${targets}.id, ${ev}.id, ${targets}.endpoint_id FROM ${ev}, ${targets}),
    ${raw(`${name}_jobs`)} AS (
      INSERT INTO outbox_jobs (id, queue, name, job_id, payload)
      SELECT ${targets}.job, ${WEBHOOK_QUEUE}, ${WEBHOOK_QUEUE}, ${targets}.job_id,
             jsonb_build_object('deliveryId', ${targets}.id)
      FROM ${ev}, ${targets})`;
}
