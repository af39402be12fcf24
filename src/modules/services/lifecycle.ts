import { stateTable } from '../../platform/state-table.js';

/**
 * Offerings are reviewed and published like listings: draft → (submit) submitted →
 * (publish) published | (reject) rejected; the institution may withdraw any but a draft, and
 * edit a draft or rejected one and submit it again.
 */
export const OFFERING_ACTIONS = {
  submit: { from: ['draft', 'rejected'], to: 'submitted', by: ['institution'] },
  publish: { from: ['submitted'], to: 'published', by: ['reviewer'] },
  reject: { from: ['submitted'], to: 'rejected', by: ['reviewer'] },
  withdraw: { from: ['submitted', 'published', 'rejected'], to: 'withdrawn', by: ['institution'] },
} as const;
export type OfferingAction = keyof typeof OFFERING_ACTIONS;
export const offeringTable = stateTable(OFFERING_ACTIONS);

/**
 * The order lifecycle, enforced on the server:
 * quoted → (accept) accepted → (start) in_progress → (deliver) delivered →
 * (approve) accepted_by_buyer | (dispute) disputed → (close | resolve) closed;
 * an accepted or in-progress order may be cancelled by either side with a reason.
 * An order comes into being with `accept` (the buyer accepts a quote), so `quoted` is the
 * state of the quote it was made from.
 */
export const ORDER_STATUSES = [
  'quoted',
  'accepted',
  'in_progress',
  'delivered',
  'accepted_by_buyer',
  'disputed',
  'closed',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The sides of an order: the buyer, the institution, and the buyer's sub-centre (and operators). */
export type OrderSide = 'buyer' | 'institution' | 'sub_centre';

export const ORDER_ACTIONS = {
  accept: { from: ['quoted'], to: 'accepted', by: ['buyer'] },
  start: { from: ['accepted'], to: 'in_progress', by: ['institution'] },
  deliver: { from: ['in_progress'], to: 'delivered', by: ['institution'] },
  approve: { from: ['delivered'], to: 'accepted_by_buyer', by: ['buyer'] },
  dispute: { from: ['delivered'], to: 'disputed', by: ['buyer'] },
  resolve: { from: ['disputed'], to: 'closed', by: ['sub_centre'] },
  close: { from: ['accepted_by_buyer'], to: 'closed', by: ['buyer', 'institution', 'sub_centre'] },
  cancel: { from: ['accepted', 'in_progress'], to: 'cancelled', by: ['buyer', 'institution'] },
} as const satisfies Record<
  string,
  { from: readonly OrderStatus[]; to: OrderStatus; by: readonly OrderSide[] }
>;
export type OrderAction = keyof typeof ORDER_ACTIONS;
export const orderTable = stateTable(ORDER_ACTIONS);

/** Orders still running against their due date (the overdue list looks at these). */
export const RUNNING: readonly OrderStatus[] = ['accepted', 'in_progress'];

/** Structured reasons for cancelling (取消原因). `other` needs a text. */
export const CANCEL_CODES = [
  'buyer_changed_plans',
  'institution_unable',
  'mutual_agreement',
  'other',
] as const;

/** Outcomes of a dispute, decided by the buyer's sub-centre. */
export const DISPUTE_OUTCOMES = ['buyer_upheld', 'institution_upheld', 'settled'] as const;

/** States from which the buyer may rate the order (it was delivered). */
export const RATABLE: readonly OrderStatus[] = ['delivered', 'accepted_by_buyer', 'disputed', 'closed'];
