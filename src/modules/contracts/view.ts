import type { Principal } from '../../platform/principal.js';
import type { ContractRow } from './repository.js';
import { toInput } from './repository.js';

/** Who calls a service function, and the request id for the audit trail. */
export interface Caller {
  principal: Principal | undefined;
  requestId?: string;
}

/** 技术交易额 that counts: the registrar's determination where there is one. */
export const effectiveAmount = (r: Pick<ContractRow, 'determinedAmountFen' | 'transactionAmountFen'>) =>
  r.determinedAmountFen ?? r.transactionAmountFen ?? 0;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The API representation (schema `Contract` in openapi.yaml). */
export function toView(r: ContractRow) {
  const input = toInput(r);
  return {
    id: r.id,
    status: r.status,
    version: r.version,
    organisationId: r.organisationId,
    subCentreId: r.subCentreId,
    ...input,
    transactionAmountFen: r.transactionAmountFen ?? r.contractValueFen - r.nonTechnicalCostsFen,
    determinedAmountFen: r.determinedAmountFen,
    determinationReason: r.determinationReason,
    effectiveTransactionAmountFen: effectiveAmount(r),
    submittedAt: iso(r.submittedAt),
    dueDate: r.dueDate,
    reviewWorkingDays: r.reviewWorkingDays,
    reviewerId: r.reviewerId,
    returnReasons: r.returnReasons ?? null,
    refusal: r.refusalGround ? { ground: r.refusalGround, text: r.refusalText } : null,
    registrationNumber: r.registrationNumber,
    registeredAt: iso(r.registeredAt),
    cancelledAt: iso(r.cancelledAt),
    cancellationReason: r.cancellationReason,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
export type ContractView = ReturnType<typeof toView>;
