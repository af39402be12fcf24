import { type Actor, recordAudit } from '../../platform/audit.js';
import type { DbOrTx } from '../../platform/db.js';
import { historyEntry, webhookStepData } from '../../platform/history.js';
import type { ServiceChange } from '../catalog/index.js';
import { emitEventInTx } from '../integration/index.js';
import { notifyInTx } from '../notifications/index.js';
import { orderChanged, quotingOrganisations, requestChanged } from './feed.js';
import type { OrderAction } from './lifecycle.js';
import { serviceOrderEvents } from './schema.js';
import type { OrderRow } from './views.js';

export type OrderStep = OrderAction | 'milestone' | 'rate' | 'reply';

/** The webhook event of each step (to both organisations only). */
export const ORDER_EVENT_OF: Record<OrderStep, string> = {
  accept: 'service-order.created',
  start: 'service-order.started',
  deliver: 'service-order.delivered',
  approve: 'service-order.accepted-by-buyer',
  dispute: 'service-order.disputed',
  resolve: 'service-order.resolved',
  close: 'service-order.closed',
  cancel: 'service-order.cancelled',
  milestone: 'service-order.milestone',
  rate: 'service-order.rated',
  reply: 'service-order.rating-answered',
};

/** The order's change in the feed: its webhook event's name without the prefix. */
const ORDER_CHANGE_OF: Record<OrderStep, ServiceChange['change']> = {
  accept: 'created',
  start: 'started',
  deliver: 'delivered',
  approve: 'accepted-by-buyer',
  dispute: 'disputed',
  resolve: 'resolved',
  close: 'closed',
  cancel: 'cancelled',
  milestone: 'milestone',
  rate: 'rated',
  reply: 'rating-answered',
};

/** Inbox lines: [for the buyer, for the institution]. */
const TITLES: Record<OrderStep, [string, string]> = {
  accept: ['已接受报价并下单', '收到服务订单'],
  start: ['服务机构已开始服务', '已开始服务'],
  deliver: ['服务成果已交付，请验收', '已交付服务成果'],
  approve: ['已验收服务成果', '买方已验收服务成果'],
  dispute: ['已对交付提出异议', '买方对交付提出异议'],
  resolve: ['分中心已处理订单争议', '分中心已处理订单争议'],
  close: ['服务订单已完结', '服务订单已完结'],
  cancel: ['服务订单已取消', '服务订单已取消'],
  milestone: ['服务进度已更新', '已报告服务进度'],
  rate: ['已评价服务订单', '买方已评价服务订单'],
  reply: ['服务机构已回复评价', '已回复评价'],
};

/**
 * Everything one step leaves behind, in the step's transaction: the order's history, the
 * audit trail, one inbox line per organisation (deduplicated per order, step and history row)
 * and one webhook event addressed to both. Webhook data carries ids, codes and numbers only.
 */
export async function recordOrderStep(
  tx: DbOrTx,
  step: OrderStep,
  row: OrderRow,
  from: string | null,
  actor: Actor,
  data: Record<string, unknown>,
  requestId?: string,
): Promise<void> {
  const entry = historyEntry(row.id, step, from, row.status, actor, data);
  await tx.insert(serviceOrderEvents).values(entry);
  await recordAudit(tx, {
    actor,
    action: `service-order.${step}`,
    objectType: 'service_order',
    objectId: row.id,
    before: from ? { status: from } : undefined,
    after: { status: row.status, ...data },
    requestId,
  });
  const subject = { orderId: row.id, offeringId: row.offeringId, step, status: row.status };
  const [forBuyer, forInstitution] = TITLES[step];
  await notifyInTx(
    tx,
    (
      [
        [row.buyerOrganisationId, forBuyer],
        [row.institutionOrganisationId, forInstitution],
      ] as const
    ).map(([organisationId, title]) => ({
      recipient: { organisationId },
      kind: `service-order.${step}`,
      title: `${title}：${row.title}`,
      data: subject,
      dedupKey: `service-order:${row.id}:${entry.id}:${organisationId}`,
    })),
  );
  // The private change feed: the order's step, and the request's end when the order is made.
  await orderChanged(tx, row, ORDER_CHANGE_OF[step]);
  if (step === 'accept')
    await requestChanged(tx, row.requestId, 'ordered', [
      row.buyerOrganisationId,
      ...(await quotingOrganisations(tx, row.requestId)),
    ]);
  // Deliverables travel as their hashes only (their names are the buyer's and institution's words).
  const { deliverables } = data;
  await emitEventInTx(tx, {
    type: ORDER_EVENT_OF[step],
    subjectId: row.id,
    organisationIds: [row.buyerOrganisationId, row.institutionOrganisationId],
    data: {
      ...subject,
      ...webhookStepData(data, ['note', 'text', 'title', 'deliverables']),
      ...(Array.isArray(deliverables)
        ? { deliverableHashes: deliverables.map((d: { sha256: string }) => d.sha256) }
        : {}),
    },
  });
}
