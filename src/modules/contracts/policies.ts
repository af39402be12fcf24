/**
 * Who may do what with a technology contract. Applicants see their own organisation's
 * contracts, registrars their registration point's, operators all; an object the caller may not
 * see answers 404.
 */
import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator, isRegistrarOf, type Principal } from '../../platform/principal.js';

export interface ContractRef {
  organisationId: string;
  subCentreId: string;
}

const sees = (p: Principal | undefined, c: ContractRef) =>
  isOperator(p) || isRegistrarOf(p, c.subCentreId) || actsFor(p, c.organisationId);

export const contractPolicies = definePolicies({
  'contract.apply': (p: Principal | undefined, org: { id: string; verified: boolean }) =>
    actsFor(p, org.id) && org.verified,
  'contract.read': (p: Principal | undefined, c: ContractRef) => (sees(p, c) ? 'allow' : 'hide'),
  /** Edit, submit, request amendments: the applying organisation only. */
  'contract.edit': (p: Principal | undefined, c: ContractRef) =>
    actsFor(p, c.organisationId) ? 'allow' : sees(p, c) ? 'deny' : 'hide',
  /** Take, return, refuse, register, decide amendments, cancel: a registrar of the point. */
  'contract.review': (p: Principal | undefined, c: ContractRef) =>
    isRegistrarOf(p, c.subCentreId) ? 'allow' : sees(p, c) ? 'deny' : 'hide',
  /** Statistics of one registration point (null = every point: operators only). */
  'contract.statistics': (p: Principal | undefined, subCentreId: string | null) =>
    isOperator(p) || (subCentreId !== null && isRegistrarOf(p, subCentreId)),
  'contract.rewards': (p: Principal | undefined, _year: number) => isOperator(p),
});

/** The registration points whose lists a caller may read: 'all' for operators. */
export function visiblePoints(p: Principal): 'all' | readonly string[] {
  if (isOperator(p)) return 'all';
  return p.roles.includes('registrar') ? p.registrarSubCentres : [];
}
