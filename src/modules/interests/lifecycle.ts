import { stateTable } from '../../platform/state-table.js';

/**
 * The interest lifecycle, enforced on the server:
 * pending → (accept) accepted → (negotiate) negotiating → (deal) deal;
 * pending → (decline) declined; the interested side may withdraw an open interest, and either
 * side (or an operator) may close one that was accepted without reaching a deal.
 */
export const STATUSES = [
  'pending',
  'accepted',
  'declined',
  'negotiating',
  'deal',
  'withdrawn',
  'closed',
] as const;
export type Status = (typeof STATUSES)[number];

/** Open interests: at most one per (organisation, achievement). */
export const OPEN_STATUSES: readonly Status[] = ['pending', 'accepted', 'negotiating'];

/** The two sides of an interest, and operators. */
export type Side = 'interested' | 'owner' | 'operator';

export const ACTIONS = {
  accept: { from: ['pending'], to: 'accepted', by: ['owner'] },
  decline: { from: ['pending'], to: 'declined', by: ['owner'] },
  negotiate: { from: ['accepted'], to: 'negotiating', by: ['owner', 'interested'] },
  deal: { from: ['negotiating'], to: 'deal', by: ['owner', 'interested'] },
  withdraw: { from: ['pending', 'accepted', 'negotiating'], to: 'withdrawn', by: ['interested'] },
  close: { from: ['accepted', 'negotiating'], to: 'closed', by: ['owner', 'interested', 'operator'] },
} as const satisfies Record<string, { from: readonly Status[]; to: Status; by: readonly Side[] }>;
export type Action = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

/** Linking the registered contract is a step of its own: allowed once the deal is made. */
export const LINK_CONTRACT = { from: ['deal'], by: ['owner', 'interested'] } as const;

/** `actionsFrom(state)`: what the table allows from a state; `nextStatus`: the state after an action, or a 409. */
export const { actionsFrom, nextStatus } = stateTable(ACTIONS);

/** Structured reasons for declining (拒绝原因). `other` needs a text. */
export const DECLINE_CODES = [
  'agreed_with_other', // 已与他方达成
  'need_mismatch', // 需求不匹配
  'price_unsuitable', // 价格不合适
  'not_available', // 成果暂不转化
  'other', // 其他
] as const;
export type DeclineCode = (typeof DECLINE_CODES)[number];
