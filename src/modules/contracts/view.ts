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

/**
 * `toView` in SQL, of the row `alias` (a `technology_contracts` row, or a CTE with its columns):
 * the same jsonb as `toView`'s JSON, for a statement that writes a view of a row it has not
 * sent to this process (the optimistic take, review.ts). Keep the two together:
 * `view-sql.test.ts` compares them on rows of every kind.
 */
export function contractViewSql(alias: string): string {
  const c = (column: string) => `${alias}.${column}`;
  const ts = (column: string) => `to_char(${c(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  // A details key toView passes through: absent stays absent (JSON.stringify drops undefined).
  const passed = ['licenceType', 'licenceTermMonths', 'investeeName']
    .map(
      (k) =>
        `CASE WHEN ${c('details')} ? '${k}' THEN jsonb_build_object('${k}', ${c('details')} -> '${k}') ELSE '{}'::jsonb END`,
    )
    .join(' || ');
  // A details key with a default: absent or JSON null becomes the default (`?? []`, `?? false`).
  const withDefault = (k: string, d: string) =>
    `coalesce(nullif(${c('details')} -> '${k}', 'null'::jsonb), '${d}'::jsonb)`;
  return `(jsonb_build_object(
      'id', ${c('id')}, 'status', ${c('status')}, 'version', ${c('version')},
      'organisationId', ${c('organisation_id')}, 'subCentreId', ${c('sub_centre_id')},
      'type', ${c('type')}, 'subtype', ${c('subtype')}, 'projectName', ${c('project_name')},
      'signingDate', ${c('signing_date')}, 'validFrom', ${c('valid_from')}, 'validTo', ${c('valid_to')},
      'technologyField', ${c('technology_field')}, 'imported', ${c('imported')}, 'disputed', ${c('disputed')},
      'seller', ${c('seller')}, 'buyer', ${c('buyer')},
      'achievementIds', to_jsonb(${c('achievement_ids')}), 'patentNumbers', to_jsonb(${c('patent_numbers')}),
      'ipRegistrationNumbers', ${withDefault('ipRegistrationNumbers', '[]')},
      'relatedToTransferOrDevelopment', ${withDefault('relatedToTransferOrDevelopment', 'false')},
      'contractValueFen', ${c('contract_value_fen')}, 'nonTechnicalCostsFen', ${c('non_technical_costs_fen')},
      'payment', ${c('payment')}, 'documentSha256', ${c('document_sha256')},
      'transferInstitutionId', ${c('transfer_institution_id')}, 'techManagerIds', to_jsonb(${c('tech_manager_ids')}))
    || jsonb_build_object(
      'transactionAmountFen', coalesce(${c('transaction_amount_fen')}, ${c('contract_value_fen')} - ${c('non_technical_costs_fen')}),
      'determinedAmountFen', ${c('determined_amount_fen')}, 'determinationReason', ${c('determination_reason')},
      'effectiveTransactionAmountFen', coalesce(${c('determined_amount_fen')}, ${c('transaction_amount_fen')}, 0),
      'submittedAt', ${ts('submitted_at')}, 'dueDate', ${c('due_date')},
      'dueDateProvisional', ${c('due_date_provisional')}, 'reviewWorkingDays', ${c('review_working_days')},
      'reviewerId', ${c('reviewer_id')}, 'returnReasons', ${c('return_reasons')},
      'refusal', CASE WHEN coalesce(${c('refusal_ground')}, '') <> ''
        THEN jsonb_build_object('ground', ${c('refusal_ground')}, 'text', ${c('refusal_text')}) END,
      'registrationNumber', ${c('registration_number')}, 'voucherNumber', NULL::text,
      'registeredAt', ${ts('registered_at')}, 'cancelledAt', ${ts('cancelled_at')},
      'cancellationReason', ${c('cancellation_reason')},
      'createdAt', ${ts('created_at')}, 'updatedAt', ${ts('updated_at')})
    || ${passed})`;
}

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
