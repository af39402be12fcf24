import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator, isRegistrarOf, type Principal } from '../../platform/principal.js';
import { ORDER_ACTIONS, type OrderAction, type OrderSide } from './lifecycle.js';

interface OfferingRef {
  organisationId: string;
  subCentreId: string | null;
  status: string;
}
interface RequestRef {
  organisationId: string;
  /** The caller's organisation has a published offering of the request's kind (it may quote). */
  callerOffersKind: boolean;
}
export interface OrderRef {
  buyerOrganisationId: string;
  institutionOrganisationId: string;
  buyerSubCentreId: string | null;
}

const isReviewer = (p: Principal | undefined, o: OfferingRef) =>
  isOperator(p) || isRegistrarOf(p, o.subCentreId);

/** The sides the caller holds in an order: its two organisations and the buyer's sub-centre. */
export function orderSidesOf(p: Principal | undefined, o: OrderRef): OrderSide[] {
  const sides: OrderSide[] = [];
  if (actsFor(p, o.buyerOrganisationId)) sides.push('buyer');
  if (actsFor(p, o.institutionOrganisationId)) sides.push('institution');
  if (isOperator(p) || isRegistrarOf(p, o.buyerSubCentreId)) sides.push('sub_centre');
  return sides;
}

export const servicePolicies = definePolicies({
  /** Published offerings are public; others only to their institution and reviewers. */
  'service-offering.read': (p, o: OfferingRef) =>
    o.status === 'published' || actsFor(p, o.organisationId) || isReviewer(p, o) ? 'allow' : 'hide',
  /** The institution edits, submits and withdraws its own offerings. */
  'service-offering.edit': (p, o: OfferingRef) => {
    if (actsFor(p, o.organisationId)) return 'allow';
    return o.status === 'published' || isReviewer(p, o) ? 'deny' : 'hide';
  },
  /** Operators and the registrars of the institution's sub-centre review (publish or reject). */
  'service-offering.review': (p, o: OfferingRef) => {
    if (isReviewer(p, o) && !actsFor(p, o.organisationId)) return 'allow';
    return o.status === 'published' || actsFor(p, o.organisationId) ? 'deny' : 'hide';
  },
  /** A request is seen by its organisation, institutions offering its kind, and operators. */
  'service-request.read': (p, r: RequestRef) =>
    actsFor(p, r.organisationId) || r.callerOffersKind || isOperator(p) ? 'allow' : 'hide',
  /** Institutions offering the kind quote; the requesting organisation may not quote itself. */
  'service-request.quote': (p, r: RequestRef) => {
    if (r.callerOffersKind && !actsFor(p, r.organisationId)) return 'allow';
    return actsFor(p, r.organisationId) || isOperator(p) ? 'deny' : 'hide';
  },
  /** The institution that quoted withdraws its quote; the requester sees it but may not (403). */
  'service-quote.withdraw': (p, q: { organisationId: string; requesterOrganisationId: string }) =>
    actsFor(p, q.organisationId)
      ? 'allow'
      : actsFor(p, q.requesterOrganisationId) || isOperator(p)
        ? 'deny'
        : 'hide',
  /** The requesting organisation closes its request; those who see it otherwise may not (403). */
  'service-request.close': (p, r: RequestRef) =>
    actsFor(p, r.organisationId) ? 'allow' : r.callerOffersKind || isOperator(p) ? 'deny' : 'hide',
  /** Only the two organisations, the buyer's sub-centre and operators know an order exists. */
  'service-order.read': (p, o: OrderRef) => (orderSidesOf(p, o).length ? 'allow' : 'hide'),
  /** Who may take a step: the table in lifecycle.ts names the sides. */
  'service-order.act': (p, o: OrderRef & { action: OrderAction | 'milestone' | 'rate' | 'reply' }) => {
    const sides = orderSidesOf(p, o);
    if (!sides.length) return 'hide';
    const allowed: readonly OrderSide[] =
      o.action === 'milestone' || o.action === 'reply'
        ? ['institution']
        : o.action === 'rate'
          ? ['buyer']
          : ORDER_ACTIONS[o.action].by;
    return sides.some((s) => allowed.includes(s)) ? 'allow' : 'deny';
  },
  /** The overdue list: registrars (their sub-centres' buyers) and operators (all). */
  'service-order.overdue': (p, _o: null) =>
    isOperator(p) || (!!p?.roles.includes('registrar') && p.registrarSubCentres.length > 0),
});
