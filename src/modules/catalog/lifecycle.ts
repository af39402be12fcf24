import { InvalidTransitionError } from '../../platform/errors.js';

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

/** The actions the lifecycle allows from a state (whoever may fire them). */
export function actionsFrom(status: string): Action[] {
  return ACTION_NAMES.filter((a) => (ACTIONS[a].from as readonly string[]).includes(status));
}

/** The state after `action`, or a 409 problem (naming the allowed actions) when the state does not allow it. */
export function nextStatus(from: string, action: Action): Status {
  const rule = ACTIONS[action];
  if (!(rule.from as readonly string[]).includes(from))
    throw new InvalidTransitionError(from, action, actionsFrom(from));
  return rule.to;
}

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
