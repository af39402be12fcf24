import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator, isOrgAdminOf } from '../../platform/principal.js';

/** What the policies know of a notice or a policy setting: the organisation it belongs to. */
export interface OrgRef {
  organisationId: string;
}

export const noticePolicies = definePolicies({
  /** Only the owning organisation publishes a notice of its achievement and answers objections. */
  'price-notice.publish': (p, o: OrgRef) => actsFor(p, o.organisationId),
  'price-notice.answer': (p, o: OrgRef) => actsFor(p, o.organisationId),
  /** The owner withdraws its notice (the notice is public: others are refused, 403). */
  'price-notice.withdraw': (p, o: OrgRef) => actsFor(p, o.organisationId),
  /** Anyone identified may object (the notice itself is public). */
  'price-notice.object': (p, _o: null) => !!p,
  /** The owner and operators see who objected (name unmasked, organisation). */
  'price-notice.objectors': (p, o: OrgRef) => actsFor(p, o.organisationId) || isOperator(p),
  /** The period setting: read by the organisation's members and operators, set by its admins or operators. */
  'price-notice.policy.read': (p, o: OrgRef) => actsFor(p, o.organisationId) || isOperator(p),
  'price-notice.policy.write': (p, o: OrgRef) => isOrgAdminOf(p, o.organisationId) || isOperator(p),
});
