import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator, type Principal } from '../../platform/principal.js';
import { ACTIONS, type Action, LINK_CONTRACT, type Side } from './lifecycle.js';

/** What the policies need to know of an interest. */
export interface InterestRef {
  ownerOrganisationId: string;
  interestedOrganisationId: string;
}

/** The sides the caller holds in an interest: its two organisations, and operators. */
export function sidesOf(p: Principal | undefined, i: InterestRef): Side[] {
  const sides: Side[] = [];
  if (actsFor(p, i.interestedOrganisationId)) sides.push('interested');
  if (actsFor(p, i.ownerOrganisationId)) sides.push('owner');
  if (isOperator(p)) sides.push('operator');
  return sides;
}

export const interestPolicies = definePolicies({
  /** Only the two organisations and operators know an interest exists. */
  'interest.read': (p, i: InterestRef) => (sidesOf(p, i).length ? 'allow' : 'hide'),
  /** Who may take a step: the table in lifecycle.ts names the sides. */
  'interest.act': (p, o: InterestRef & { action: Action | 'link-contract' }) => {
    const sides = sidesOf(p, o);
    if (!sides.length) return 'hide';
    const allowed: readonly Side[] = o.action === 'link-contract' ? LINK_CONTRACT.by : ACTIONS[o.action].by;
    return sides.some((s) => allowed.includes(s)) ? 'allow' : 'deny';
  },
  /**
   * 一次认证: only a verified organisation may express interest, because acceptance releases
   * contacts to it and records the NDA in its name (the catalog lets verified organisations only).
   */
  'interest.create': (p, _o: null) => !!p?.organisationId && p.orgVerified,
});
