import type { DbOrTx } from '../../platform/db.js';
import type { Schema } from '../../platform/http/operations.js';
import type { Principal } from '../../platform/principal.js';
import { voucherNumbersFor } from '../vouchers/index.js';
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
export function toView(r: ContractRow): Schema<'Contract'> {
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
    dueDateProvisional: r.dueDateProvisional,
    reviewWorkingDays: r.reviewWorkingDays,
    reviewerId: r.reviewerId,
    // Written by returnForCorrection from the validated request body.
    returnReasons: (r.returnReasons as Schema<'ContractReturnReason'>[] | null) ?? null,
    refusal: r.refusalGround ? { ground: r.refusalGround, text: r.refusalText } : null,
    registrationNumber: r.registrationNumber,
    /** The data transaction voucher of the registered version (withVoucherNumbers fills it). */
    voucherNumber: null as string | null,
    registeredAt: iso(r.registeredAt),
    cancelledAt: iso(r.cancelledAt),
    cancellationReason: r.cancellationReason,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
export type ContractView = Schema<'Contract'>;

/** Voucher source id of a contract version: the contract id, then `<id>:v<n>` after amendments. */
export const voucherSourceId = (id: string, version: number) => (version === 1 ? id : `${id}:v${version}`);

/**
 * Views with the voucher number of each registered (or cancelled: the voucher stays, revoked)
 * contract's current version; null while the voucher is being issued, and for other statuses.
 */
export async function withVoucherNumbers<V extends ContractView>(db: DbOrTx, views: V[]): Promise<V[]> {
  const ids = views
    .filter((v) => v.status === 'registered' || v.status === 'cancelled')
    .map((v) => voucherSourceId(v.id, v.version));
  const numbers = await voucherNumbersFor(db, 'technology_contract', ids);
  return views.map((v) => ({ ...v, voucherNumber: numbers.get(voucherSourceId(v.id, v.version)) ?? null }));
}
