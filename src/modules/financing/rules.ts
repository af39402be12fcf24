import { stateTable } from '../../platform/state-table.js';

/** Financing rounds, in order: 种子 seed, 天使 angel, Pre-A, A, B, C, 后期 later, Pre-IPO. */
export const STAGES = ['seed', 'angel', 'pre_a', 'a', 'b', 'c', 'later', 'pre_ipo'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_NAMES: Record<Stage, string> = {
  seed: '种子轮',
  angel: '天使轮',
  pre_a: 'Pre-A轮',
  a: 'A轮',
  b: 'B轮',
  c: 'C轮',
  later: '后期',
  pre_ipo: 'Pre-IPO',
};

/**
 * The investment interest lifecycle (the interests module's pattern, in tables of its own):
 * submitted → (accept) accepted | (decline) declined, by the presenting organisation;
 * the investor may withdraw an open one. Acceptance releases each side's contact to the other.
 */
export type Side = 'investor' | 'owner';
export const ACTIONS = {
  accept: { from: ['submitted'], to: 'accepted', by: ['owner'] },
  decline: { from: ['submitted'], to: 'declined', by: ['owner'] },
  withdraw: { from: ['submitted', 'accepted'], to: 'withdrawn', by: ['investor'] },
} as const;
export type Action = keyof typeof ACTIONS;
export const { actionsFrom, nextStatus } = stateTable(ACTIONS);
export const OPEN_STATUSES = ['submitted', 'accepted'] as const;

export const DECLINE_CODES = ['stage_mismatch', 'terms_unsuitable', 'already_funded', 'other'] as const;

/**
 * The roadshow lifecycle: a scheduled roadshow may be edited (it stays scheduled) or cancelled
 * by its organiser. Both are also refused once the roadshow has started (`startsAt` passed,
 * 409 `financing-roadshow-started`): what happened is not rewritten.
 */
export const ROADSHOW = {
  edit: { from: ['scheduled'], to: 'scheduled', by: ['organiser'] },
  cancel: { from: ['scheduled'], to: 'cancelled', by: ['organiser'] },
} as const;
export const roadshowTable = stateTable(ROADSHOW);

/** Presentation decisions by the organiser. */
export const PRESENTATION = {
  accept: { from: ['pending'], to: 'accepted', by: ['organiser'] },
  decline: { from: ['pending'], to: 'declined', by: ['organiser'] },
} as const;
export const presentationTable = stateTable(PRESENTATION);

export interface InvestorFacts {
  organisationId: string;
  stages: string[];
  fields: string[];
  ticketMinFen: number;
  ticketMaxFen: number;
}
export interface ProjectFacts {
  id: string;
  stage: string;
  fields: string[];
  askFen: number | null;
}

export type Reason =
  | { code: 'field_overlap'; fields: string[]; text: string }
  | { code: 'stage_fit'; stage: string; text: string }
  | { code: 'ticket_fit'; askFen: number; ticketMinFen: number; ticketMaxFen: number; text: string };

const yuan = (fen: number) => `${(fen / 100).toLocaleString('zh-CN')}元`;

/**
 * Why an investor and a project fit, each reason true of the two as stated: the fields they
 * share, the investor investing at the project's stage, the amount sought within the investor's
 * ticket range. No reason, no match; the score is the number of reasons.
 */
export function matchReasons(inv: InvestorFacts, project: ProjectFacts): Reason[] {
  const reasons: Reason[] = [];
  const shared = project.fields.filter((f) => inv.fields.includes(f));
  if (shared.length)
    reasons.push({ code: 'field_overlap', fields: shared, text: `共同领域：${shared.join('、')}` });
  if (inv.stages.includes(project.stage))
    reasons.push({
      code: 'stage_fit',
      stage: project.stage,
      text: `投资阶段包含${STAGE_NAMES[project.stage as Stage] ?? project.stage}`,
    });
  if (project.askFen !== null && project.askFen >= inv.ticketMinFen && project.askFen <= inv.ticketMaxFen)
    reasons.push({
      code: 'ticket_fit',
      askFen: project.askFen,
      ticketMinFen: inv.ticketMinFen,
      ticketMaxFen: inv.ticketMaxFen,
      text: `融资额${yuan(project.askFen)}在单笔投资额${yuan(inv.ticketMinFen)}–${yuan(inv.ticketMaxFen)}之内`,
    });
  return reasons;
}
