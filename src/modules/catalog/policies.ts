import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator, isRegistrarOf, type Principal } from '../../platform/principal.js';
import { ACTIONS, type Action, isPublic, type Role } from './lifecycle.js';

/** What the policies need to know of a listing. */
export interface ListingRef {
  organisationId: string;
  subCentreId: string | null;
  status: string;
}

const isOwner = (p: Principal | undefined, l: ListingRef) => actsFor(p, l.organisationId);
/** The registrars of the OWNER's sub-centre review; drafts stay private to the owner. */
const isReviewer = (p: Principal | undefined, l: ListingRef) =>
  isRegistrarOf(p, l.subCentreId) && l.status !== 'draft';

export function canRead(p: Principal | undefined, l: ListingRef): boolean {
  return isPublic(l.status) || isOwner(p, l) || isOperator(p) || isReviewer(p, l);
}

/** The roles the caller holds towards a listing, for the lifecycle table. */
export function rolesOf(p: Principal | undefined, l: ListingRef): Role[] {
  const roles: Role[] = [];
  if (isOwner(p, l)) roles.push('owner');
  if (isReviewer(p, l)) roles.push('reviewer');
  if (isOperator(p)) roles.push('operator');
  return roles;
}

export const catalogPolicies = definePolicies({
  'listing.read': (p, l: ListingRef) => (canRead(p, l) ? 'allow' : 'hide'),
  'listing.update': (p, l: ListingRef) =>
    isOwner(p, l) || isOperator(p) ? 'allow' : canRead(p, l) ? 'deny' : 'hide',
  /** Who may fire a lifecycle action: the table in lifecycle.ts says which roles. */
  'listing.transition': (p, o: ListingRef & { action: Action }) => {
    if (!canRead(p, o)) return 'hide';
    const allowed = ACTIONS[o.action].by as readonly Role[];
    return rolesOf(p, o).some((r) => allowed.includes(r)) ? 'allow' : 'deny';
  },
  /** The confidential part: owner, reviewers, operators, and verified organisations with the NDA. */
  'listing.confidential': (p, l: ListingRef & { ndaAccepted: boolean }) =>
    isOwner(p, l) || isOperator(p) || isReviewer(p, l) || (!!p?.orgVerified && l.ndaAccepted),
  /** Only a verified organisation (一次认证) may accept an NDA, for a listing it can see. */
  'listing.nda': (p, l: ListingRef) => {
    if (!canRead(p, l)) return 'hide';
    return !!p?.organisationId && p.orgVerified && !isOwner(p, l);
  },
  'listing.merge': (p, l: ListingRef) => (isOperator(p) ? 'allow' : canRead(p, l) ? 'deny' : 'hide'),
  'catalog.review-queue': (p, _o: null) => !!p && (isOperator(p) || p.roles.includes('registrar')),
  /** Creating for an organisation: its own members and clients, or operators. */
  'listing.create': (p, o: { organisationId: string }) => actsFor(p, o.organisationId) || isOperator(p),
  'directory.manage': (p, o: { organisationId: string | null }) =>
    isOperator(p) || (!!o.organisationId && actsFor(p, o.organisationId) && p?.orgRole !== 'org_member'),
});
