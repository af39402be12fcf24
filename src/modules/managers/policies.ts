import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator, isOrgAdminOf, type Principal } from '../../platform/principal.js';

/** What the policies need to know of a manager. */
export interface ManagerRef {
  employerOrganisationId: string;
  status: string;
}

/** Active managers are public; the others only to their employer and operators. */
const sees = (p: Principal | undefined, m: ManagerRef) =>
  m.status === 'active' || isOperator(p) || actsFor(p, m.employerOrganisationId);

/** The employer's administrators (or its partner client) and operators maintain a manager. */
export const maintains = (p: Principal | undefined, employerOrganisationId: string) =>
  isOperator(p) || isOrgAdminOf(p, employerOrganisationId);

export const managerPolicies = definePolicies({
  'manager.read': (p, m: ManagerRef) => (sees(p, m) ? 'allow' : 'hide'),
  /** Registration: an administrator of the (verified) employer, or an operator. */
  'manager.register': (p, employer: { id: string; verified: boolean }) =>
    isOperator(p) || (isOrgAdminOf(p, employer.id) && employer.verified),
  'manager.edit': (p, m: ManagerRef) =>
    maintains(p, m.employerOrganisationId) ? 'allow' : sees(p, m) ? 'deny' : 'hide',
  'manager.review': (p, m: ManagerRef) => (isOperator(p) ? 'allow' : sees(p, m) ? 'deny' : 'hide'),
  /**
   * Naming a broker on an interest or a contract: a party to it only. Those who may see it
   * without being a party (operators, the registrar) are refused; anyone else is shown nothing.
   */
  'manager.broker': (p, s: { parties: string[]; visible: boolean }) =>
    s.parties.some((o) => actsFor(p, o)) ? 'allow' : s.visible ? 'deny' : 'hide',
  'manager.rewards': (p, _year: number) => isOperator(p),
});
