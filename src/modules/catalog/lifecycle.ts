import { stateTable } from '../../platform/state-table.js';

/**
 * The listing lifecycle, enforced on the server:
 * draft → submitted → (approve) published → in_negotiation → transacted;
 * submitted → (return) returned → submitted again, or (reject) rejected;
 * withdrawn from any live state; published → expired → (renew) published.
 */
export const STATUSES = [
  'draft',
  'submitted',
  'returned',
  'rejected',
  'published',
  'in_negotiation',
  'transacted',
  'withdrawn',
  'expired',
] as const;
export type Status = (typeof STATUSES)[number];

/** Visible to everyone, anonymous callers included, and carried by the change feed. */
export const PUBLIC_STATUSES: readonly Status[] = ['published', 'in_negotiation', 'transacted'];
export const isPublic = (s: string) => (PUBLIC_STATUSES as readonly string[]).includes(s);
/** A listing whose content the owner may still edit. */
export const EDITABLE_STATUSES: readonly Status[] = [
  'draft',
  'returned',
  'submitted',
  'published',
  'expired',
];

export type Role = 'owner' | 'reviewer' | 'operator' | 'system';

export const ACTIONS = {
  submit: { from: ['draft', 'returned'], to: 'submitted', by: ['owner', 'operator', 'system'] },
  approve: { from: ['submitted'], to: 'published', by: ['reviewer', 'operator', 'system'] },
  return: { from: ['submitted'], to: 'returned', by: ['reviewer', 'operator'] },
  reject: { from: ['submitted'], to: 'rejected', by: ['reviewer', 'operator'] },
  negotiate: { from: ['published'], to: 'in_negotiation', by: ['owner', 'operator'] },
  reopen: { from: ['in_negotiation'], to: 'published', by: ['owner', 'operator'] },
  transact: { from: ['in_negotiation'], to: 'transacted', by: ['owner', 'operator'] },
  withdraw: {
    from: ['draft', 'returned', 'submitted', 'published', 'in_negotiation', 'expired'],
    to: 'withdrawn',
    by: ['owner', 'operator', 'system'],
  },
  expire: { from: ['published'], to: 'expired', by: ['operator', 'system'] },
  renew: { from: ['expired'], to: 'published', by: ['owner', 'operator'] },
} as const satisfies Record<string, { from: readonly Status[]; to: Status; by: readonly Role[] }>;
export type Action = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

/** `actionsFrom(state)`: what the table allows from a state; `nextStatus`: the state after an action, or a 409. */
export const { actionsFrom, nextStatus } = stateTable(ACTIONS);

export type PublicChange = 'published' | 'updated' | 'withdrawn' | 'expired';

/** What a partner following the change feed sees of a status change (undefined: nothing public). */
export function publicChangeOf(from: string, to: string): PublicChange | undefined {
  const was = isPublic(from);
  const is = isPublic(to);
  if (!was && is) return 'published';
  if (was && is) return from === to ? undefined : 'updated';
  if (was && !is) return to === 'expired' ? 'expired' : 'withdrawn';
  return undefined;
}
