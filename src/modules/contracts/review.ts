/**
 * The registrar's side of the review: take an application, return it for correction (补正),
 * refuse it (不予登记) on one of the grounds, or register it (登记) — which assigns the
 * gap-free registration number and requests the data transaction voucher in one transaction.
 */
import { sql } from 'drizzle-orm';
import { auditCteText } from '../../platform/audit.js';
import type { Tx } from '../../platform/db.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../platform/errors.js';
import { registerMessages } from '../../platform/messages.js';
import { actsFor } from '../../platform/principal.js';
import { constantText, jsonbTextWith, raw, text } from '../../platform/statement.js';
import { findSubCentre, subCentreSql } from '../identity/index.js';
import { eventCtesText, subscribedEndpointsText } from '../integration/index.js';
import { requestVoucherCtesText, requestVoucherInTx, type VoucherRequest } from '../vouchers/index.js';
import { chinaDate } from './calendar.js';
import {
  AUDIENCE_SQL,
  audienceOf,
  contractEvent,
  emitContractEventInTx,
  PARTIES_IDS,
  PARTY_ORGANISATIONS,
} from './events.js';
import {
  type ContractRow,
  registerInOneStatement,
  updateContract,
  updateContractWith,
} from './repository.js';
import { REFUSAL_GROUNDS, RETURN_REASONS, SETTINGS } from './rules.js';
import { contractVersions, technologyContracts } from './schema.js';
import { type ContractDeps, contractAudit, transition } from './service.js';
import type { PartyInput } from './validation.js';
import { type Caller, effectiveAmount, toView, voucherSourceId } from './view.js';

export const VOUCHER_SOURCE = 'technology_contract';

registerMessages({
  'contract-reviewer-is-applicant': {
    title: { 'zh-CN': '不能审核本人申请的合同', en: 'You cannot review an application you made' },
    detail: {
      'zh-CN': '该合同由您（或您所代表的机构）申请登记，须由登记机构的其他登记员受理和登记。',
      en: 'You (or the organisation you act for) applied for this contract; another registrar of the point must take and register it.',
    },
  },
});
const REVIEW = 'contract.review';

export { voucherSourceId } from './view.js';

/**
 * No one reviews his own application: a registrar who applied for the contract (created it, or
 * acts for the applying organisation) may not take, return, refuse or register it.
 */
export function assertNotApplicant(caller: Caller, r: Pick<ContractRow, 'createdBy' | 'organisationId'>) {
  const p = caller.principal;
  if (p && (r.createdBy === p.id || actsFor(p, r.organisationId)))
    throw new ForbiddenError('contract-reviewer-is-applicant');
}

export async function takeForReview(deps: ContractDeps, caller: Caller, id: string) {
  const now = deps.now?.() ?? new Date();
  const row = await transition(
    deps,
    caller,
    id,
    { action: 'take', policy: REVIEW, from: ['submitted'], auditedByApply: true },
    (tx, r) => {
      assertNotApplicant(caller, r);
      // The update and its audit row in one statement.
      return updateContractWith(
        tx,
        r,
        { status: 'under_review', reviewerId: caller.principal!.id, reviewStartedAt: now },
        (from, after) => [auditCteText('audit', contractAudit(caller, 'take', r, after), from)],
        { last: true },
      );
    },
  );
  return toView(row);
}

export interface ReturnReason {
  code: string;
  field?: string;
  message: string;
}

export async function returnForCorrection(
  deps: ContractDeps,
  caller: Caller,
  id: string,
  reasons: ReturnReason[],
) {
  const bad = reasons.flatMap((r, i) =>
    (RETURN_REASONS as readonly string[]).includes(r.code) && r.message?.trim()
      ? []
      : [
          {
            field: `body/reasons/${i}`,
            message: `code one of ${RETURN_REASONS.join(', ')}, and a message`,
            code: 'reason',
          },
        ],
  );
  if (!reasons.length || bad.length)
    throw new ValidationError(
      bad.length ? bad : [{ field: 'body/reasons', message: 'at least one reason', code: 'reason' }],
    );
  const now = deps.now?.() ?? new Date();
  const row = await transition(
    deps,
    caller,
    id,
    { action: 'return', policy: REVIEW, from: ['under_review'] },
    (tx, r) => {
      assertNotApplicant(caller, r);
      return updateContract(tx, id, {
        status: 'returned',
        returnReasons: reasons,
        returnedAt: now,
        dueDate: null,
        dueDateProvisional: false,
      });
    },
  );
  return toView(row);
}

export async function refuseRegistration(
  deps: ContractDeps,
  caller: Caller,
  id: string,
  body: { ground: string; text?: string },
) {
  if (!Object.hasOwn(REFUSAL_GROUNDS, body.ground))
    throw new ValidationError([
      { field: 'body/ground', message: Object.keys(REFUSAL_GROUNDS).join(', '), code: 'ground' },
    ]);
  if (body.ground === 'other' && !body.text?.trim())
    throw new ValidationError([{ field: 'body/text', message: 'explain the ground', code: 'required' }]);
  const now = deps.now?.() ?? new Date();
  const row = await transition(
    deps,
    caller,
    id,
    { action: 'refuse', policy: REVIEW, from: ['under_review'] },
    async (tx, r) => {
      assertNotApplicant(caller, r);
      const refused = await updateContract(tx, id, {
        status: 'refused',
        refusalGround: body.ground,
        refusalText: body.text?.trim() || null,
        refusedAt: now,
        dueDate: null,
        dueDateProvisional: false,
      });
      // The ground's code only: the registrar's explanation is free text.
      await emitContractEventInTx(tx, 'contract.refused', refused, {
        refusedAt: now.toISOString(),
        ground: body.ground,
      });
      return refused;
    },
  );
  deps.outbox.kick();
  return toView(row);
}

const partyOf = (role: 'seller' | 'buyer', p: PartyInput) => ({
  role,
  name: p.name,
  // A foreign party has no credit code: its country stands in, so the voucher names both sides.
  creditCode: p.creditCode || `foreign:${p.countryCode}`,
});

/** The voucher request of a registered contract version. */
export function voucherRequestOf(r: ContractRow, point: { code: string; name: string }): VoucherRequest {
  return {
    type: 'technology_contract',
    sourceType: VOUCHER_SOURCE,
    sourceId: voucherSourceId(r.id, r.version),
    parties: [partyOf('seller', r.seller as PartyInput), partyOf('buyer', r.buyer as PartyInput)],
    subject: r.achievementIds.length
      ? { title: r.projectName, achievementIds: r.achievementIds }
      : { title: r.projectName },
    amounts: { contractValueFen: r.contractValueFen, transactionAmountFen: effectiveAmount(r) },
    contractRegistrationNumber: r.registrationNumber!,
    issuingSubCentre: point,
    documentHashes: [{ name: 'contract', sha256: r.documentSha256 }],
  };
}

/** Snapshot of a registered version (append-only history) and its voucher request. */
export async function recordVersion(
  tx: Tx,
  r: ContractRow,
  amendmentId: string | null,
  point?: { code: string; name: string },
) {
  const issuer = point ?? (await findSubCentre(tx, r.subCentreId))!;
  await tx
    .insert(contractVersions)
    .values({ contractId: r.id, version: r.version, snapshot: toView(r), amendmentId });
  await requestVoucherInTx(tx, voucherRequestOf(r, { code: issuer.code, name: issuer.name }));
}

/** `recordVersion`'s snapshot row as a CTE of the registration statement (number written late). */
function versionCte(
  name: string,
  r: ContractRow,
  amendmentId: string | null,
  from: string,
  lateValue: string,
) {
  return text`${raw(name)} AS (
    INSERT INTO contract_versions (contract_id, version, snapshot, amendment_id)
    SELECT ${r.id}::uuid, ${r.version}::int, ${jsonbTextWith(toView(r), lateValue, [['registrationNumber']])}, ${amendmentId}::uuid
    FROM ${raw(from)})`;
}

/** The registration's event, its subscriptions read with the contract (`transition`'s `with`). */
const REGISTERED_ENDPOINTS = subscribedEndpointsText('contract.registered', AUDIENCE_SQL);
const POINT = constantText(subCentreSql(sql`${technologyContracts.subCentreId}`));

export interface RegisterBody {
  /** 核定技术交易额, when the registrar determines a different amount. */
  determinedAmountFen?: number;
  determinationReason?: string;
}

export async function registerContract(
  deps: ContractDeps,
  caller: Caller,
  id: string,
  body: RegisterBody = {},
) {
  const now = deps.now?.() ?? new Date();
  const row = await transition(
    deps,
    caller,
    id,
    {
      action: 'register',
      policy: REVIEW,
      from: ['under_review'],
      auditedByApply: true,
      // Read with the row: the registration point, the parties' organisations (the event's
      // audience) and the subscriptions to the event, before the counter lock is taken.
      parties: PARTY_ORGANISATIONS,
      with: { point: POINT, parties: PARTIES_IDS, endpoints: REGISTERED_ENDPOINTS },
    },
    async (tx, r, x) => {
      assertNotApplicant(caller, r);
      const determined = body.determinedAmountFen;
      if (determined !== undefined) {
        if (!Number.isSafeInteger(determined) || determined < 0 || determined > r.contractValueFen)
          throw new ValidationError([
            {
              field: 'body/determinedAmountFen',
              message: 'whole fen between 0 and the contract value',
              code: 'amount',
            },
          ]);
        if (!body.determinationReason?.trim())
          throw new ValidationError([
            {
              field: 'body/determinationReason',
              message: 'required with a determined amount',
              code: 'required',
            },
          ]);
      }
      // Everything that does not carry the number comes first (the point, the event's audience
      // and subscriptions); then ONE statement allocates the number and writes everything that
      // carries it, so the counter row's lock spans that statement and the commit only.
      const point = x.point as { code: string; name: string };
      const year = Number(chinaDate(now).slice(0, 4));
      const prefix = `${year}${point.code}`;
      const set = {
        registrationYear: year,
        registeredAt: now,
        registeredBy: caller.principal!.id,
        determinedAmountFen: determined ?? null,
        determinationReason: determined !== undefined ? body.determinationReason!.trim() : null,
        updatedAt: new Date(),
      };
      // The row as the statement leaves it, with a stand-in of the number's form; the statement
      // writes the real number into the snapshot, voucher request, event and audit row.
      const standIn: ContractRow = {
        ...r,
        ...set,
        status: 'registered',
        registrationNumber: `${prefix}${'0'.repeat(SETTINGS.serialDigits)}`,
      };
      const event = contractEvent(
        'contract.registered',
        standIn,
        { registrationNumber: standIn.registrationNumber, registeredAt: now.toISOString() },
        audienceOf(r, x.parties as string[]),
        x.endpoints as string[],
      );
      const number = await registerInOneStatement(
        tx,
        id,
        { subCentreId: r.subCentreId, year, prefix, digits: SETTINGS.serialDigits },
        set,
        (from, late) => [
          versionCte('version', standIn, null, from, late),
          requestVoucherCtesText(
            'voucher',
            voucherRequestOf(standIn, { code: point.code, name: point.name }),
            from,
            late,
          ),
          // Partners of the parties' organisations may subscribe to their registrations.
          eventCtesText('registered_event', event, from, late, [['registrationNumber']]),
          auditCteText('audit', contractAudit(caller, 'register', r, standIn), from, late, [
            ['registrationNumber'],
          ]),
        ],
        { last: true },
      );
      if (!number) throw new ConflictError('contract-serial-exhausted');
      const registered: ContractRow = { ...standIn, registrationNumber: number };
      return registered;
    },
  );
  deps.outbox.kick();
  return toView(row);
}
