import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator, isOrgAdminOf, type Principal } from '../../platform/principal.js';
import { ACTIONS, type Action, type Side } from './rules.js';

export interface InvestmentRef {
  investorOrganisationId: string;
  ownerOrganisationId: string;
}

export function sidesOf(p: Principal | undefined, i: InvestmentRef): Side[] {
  const sides: Side[] = [];
  if (actsFor(p, i.investorOrganisationId)) sides.push('investor');
  if (actsFor(p, i.ownerOrganisationId)) sides.push('owner');
  return sides;
}

const verifiedOrg = (p: Principal | undefined) => !!p?.organisationId && p.orgVerified;

export const financingPolicies = definePolicies({
  /** An investor profile: the verified organisation's administrators (or its client), operators. */
  'investor.edit': (p, organisationId: string) =>
    isOperator(p) || (isOrgAdminOf(p, organisationId) && !!p?.orgVerified),
  /** A roadshow: a verified organisation's administrators (for their organisation), operators. */
  'roadshow.create': (p, organiserOrganisationId: string) =>
    isOperator(p) || (isOrgAdminOf(p, organiserOrganisationId) && !!p?.orgVerified),
  /** Decide presentations, see registrations and every match: the organiser's people, operators. */
  'roadshow.organise': (p, r: { organiserOrganisationId: string }) =>
    isOperator(p) || actsFor(p, r.organiserOrganisationId),
  /** Apply to present, register as investor, express investment interest: a verified organisation. */
  'roadshow.take-part': (p, _r: null) => verifiedOrg(p),
  /** Only the two organisations and operators know an investment interest exists. */
  'investment.read': (p, i: InvestmentRef) => (sidesOf(p, i).length || isOperator(p) ? 'allow' : 'hide'),
  'investment.act': (p, o: InvestmentRef & { action: Action }) => {
    const sides = sidesOf(p, o);
    if (!sides.length) return isOperator(p) ? 'deny' : 'hide';
    const by: readonly Side[] = ACTIONS[o.action].by;
    return sides.some((s) => by.includes(s)) ? 'allow' : 'deny';
  },
});
