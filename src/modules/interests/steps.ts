import { type Actor, recordAudit } from '../../platform/audit.js';
import type { DbOrTx } from '../../platform/db.js';
import { historyEntry, webhookStepData } from '../../platform/history.js';
import { emitEventInTx } from '../integration/index.js';
import { notifyInTx } from '../notifications/index.js';
import type { Action } from './lifecycle.js';
import { interestEvents } from './schema.js';
import type { InterestRow } from './views.js';

export type Step = 'created' | Action | 'link-contract';

/** The webhook event each step emits (to both organisations only). */
const EVENT_OF: Record<Step, string> = {
  created: 'interest.created',
  accept: 'interest.answered',
  decline: 'interest.answered',
  negotiate: 'interest.negotiating',
  deal: 'interest.deal',
  withdraw: 'interest.withdrawn',
  close: 'interest.closed',
  'link-contract': 'interest.contract-linked',
};

/** Inbox lines: [for the owner's organisation, for the interested organisation]. */
const TITLES: Record<Step, [string, string]> = {
  created: ['收到新的合作意向', '已提交合作意向'],
  accept: ['已接受合作意向', '合作意向已被接受，可查看对方联系方式'],
  decline: ['已婉拒合作意向', '合作意向已被婉拒'],
  negotiate: ['合作意向进入洽谈', '合作意向进入洽谈'],
  deal: ['合作意向已达成交易', '合作意向已达成交易'],
  withdraw: ['对方已撤回合作意向', '已撤回合作意向'],
  close: ['合作意向已关闭', '合作意向已关闭'],
  'link-contract': ['合作意向已关联技术合同', '合作意向已关联技术合同'],
};

/**
 * Everything one step leaves behind, in the step's transaction: the interest's own history,
 * the audit trail, one inbox notification per organisation (deduplicated by interest and
 * step, so a replay notifies nobody twice) and one webhook event addressed to both.
 */
export async function recordStep(
  tx: DbOrTx,
  step: Step,
  row: InterestRow,
  from: string | null,
  actor: Actor,
  data: Record<string, unknown>,
  requestId?: string,
): Promise<void> {
  await tx.insert(interestEvents).values(historyEntry(row.id, step, from, row.status, actor, data));
  await recordAudit(tx, {
    actor,
    action: `interest.${step}`,
    objectType: 'interest',
    objectId: row.id,
    before: from ? { status: from } : undefined,
    after: { status: row.status, ...data },
    requestId,
  });
  const subject = {
    interestId: row.id,
    achievementId: row.achievementId,
    achievementTitle: row.achievementTitle,
    step,
    status: row.status,
  };
  const [forOwner, forInterested] = TITLES[step];
  const orgs = [
    [row.ownerOrganisationId, forOwner],
    [row.interestedOrganisationId, forInterested],
  ] as const;
  await notifyInTx(
    tx,
    orgs.map(([organisationId, title]) => ({
      recipient: { organisationId },
      kind: `interest.${step}`,
      title: `${title}：${row.achievementTitle}`,
      data: subject,
      dedupKey: `interest:${row.id}:${step}:${organisationId}`,
    })),
  );
  await emitEventInTx(tx, {
    type: EVENT_OF[step],
    subjectId: row.id,
    organisationIds: [row.ownerOrganisationId, row.interestedOrganisationId],
    data: webhookData(subject, data),
  });
}

/**
 * A webhook payload carries ids, numbers, dates and codes only (README, "Who receives what"): no
 * achievement title, no note, no decline text. The inbox keeps the words; a partner fetches the
 * interest (`GET /v1/interests/{id}`) for them.
 */
function webhookData(
  subject: Record<string, unknown>,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const { achievementTitle: _title, ...ids } = subject;
  return { ...ids, ...webhookStepData(data) };
}
