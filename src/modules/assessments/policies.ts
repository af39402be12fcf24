import { definePolicies } from '../../platform/authz.js';
import { actsFor, isOperator } from '../../platform/principal.js';

export interface EvaluationRef {
  ownerOrganisationId: string;
  buyerOrganisationId: string | null;
  panelUserIds: string[];
}

export const assessmentPolicies = definePolicies({
  /** Operators enrol directory experts as evaluators (with the account they score under). */
  'evaluation.enrol': (p, _o: null) => isOperator(p),
  /** The achievement's owner (or an operator) orders an evaluation or records a valuation. */
  'evaluation.request': (p, o: { organisationId: string }) => actsFor(p, o.organisationId) || isOperator(p),
  'valuation.record': (p, o: { organisationId: string }) => actsFor(p, o.organisationId) || isOperator(p),
  /** The owner, the buyer, the panel and operators follow an evaluation; others do not see it. */
  'evaluation.read': (p, e: EvaluationRef) =>
    actsFor(p, e.ownerOrganisationId) ||
    actsFor(p, e.buyerOrganisationId) ||
    (p?.kind === 'user' && e.panelUserIds.includes(p.id)) ||
    isOperator(p)
      ? 'allow'
      : 'hide',
  /** Each panel expert scores as themselves (their own account), never for another. */
  'evaluation.score': (p, e: EvaluationRef) => {
    if (p?.kind === 'user' && e.panelUserIds.includes(p.id)) return 'allow';
    return actsFor(p, e.ownerOrganisationId) || actsFor(p, e.buyerOrganisationId) || isOperator(p)
      ? 'deny'
      : 'hide';
  },
});
