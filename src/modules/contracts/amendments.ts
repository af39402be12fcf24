/**
 * After registration the content is immutable; it changes only through an audited process:
 * the applicant requests an amendment (变更), a registrar of the point approves it and the
 * contract gets a new version (with its own voucher; the previous one is revoked), or a
 * registrar cancels the registration (注销), which revokes the voucher.
 */
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import { requestRevocationInTx } from '../vouchers/index.js';
import { toColumns, toInput, updateContract } from './repository.js';
import { recordVersion, VOUCHER_SOURCE, voucherSourceId } from './review.js';
import { contractAmendments } from './schema.js';
import { type ContractDeps, checkApplication, transition, visibleContract } from './service.js';
import { type ContractInput, validateContract } from './validation.js';
import { type Caller, toView, withVoucherNumbers } from './view.js';

/** What an amendment may change; type, subtype, parties and signing date make a new contract. */
export const AMENDABLE_FIELDS = [
  'projectName',
  'validFrom',
  'validTo',
  'technologyField',
  'achievementIds',
  'patentNumbers',
  'ipRegistrationNumbers',
  'licenceTermMonths',
  'contractValueFen',
  'nonTechnicalCostsFen',
  'payment',
  'documentSha256',
  'transferInstitutionId',
  'techManagerIds',
] as const;
export type AmendmentChanges = Partial<Pick<ContractInput, (typeof AMENDABLE_FIELDS)[number]>>;

type AmendmentRow = typeof contractAmendments.$inferSelect;
const amendmentView = (a: AmendmentRow) => ({
  id: a.id,
  contractId: a.contractId,
  status: a.status,
  fromVersion: a.fromVersion,
  changes: a.changes as AmendmentChanges,
  reason: a.reason,
  requestedAt: a.requestedAt.toISOString(),
  decidedAt: a.decidedAt?.toISOString() ?? null,
  decisionNote: a.decisionNote,
});

function merge(current: ContractInput, changes: AmendmentChanges): ContractInput {
  const unknown = Object.keys(changes).filter((k) => !(AMENDABLE_FIELDS as readonly string[]).includes(k));
  if (unknown.length)
    throw new ValidationError(
      unknown.map((k) => ({ field: `body/changes/${k}`, message: 'not amendable', code: 'amendment' })),
    );
  if (Object.keys(changes).length === 0)
    throw new ValidationError([{ field: 'body/changes', message: 'nothing to change', code: 'amendment' }]);
  return { ...current, ...changes };
}

export async function requestAmendment(
  deps: ContractDeps,
  caller: Caller,
  id: string,
  body: { changes: AmendmentChanges; reason: string },
) {
  const current = await visibleContract(deps.db, caller, id, 'contract.edit');
  const merged = merge(toInput(current), body.changes);
  await checkApplication(deps.db, caller, merged, current.achievementIds);
  let amendment: AmendmentRow | undefined;
  await transition(
    deps,
    caller,
    id,
    { action: 'amendment.request', policy: 'contract.edit', from: ['registered'] },
    async (tx, r) => {
      const [pending] = await tx
        .select({ id: contractAmendments.id })
        .from(contractAmendments)
        .where(and(eq(contractAmendments.contractId, id), eq(contractAmendments.status, 'pending')));
      if (pending) throw new ConflictError('contract-amendment-pending');
      [amendment] = await tx
        .insert(contractAmendments)
        .values({
          id: newId(),
          contractId: id,
          fromVersion: r.version,
          changes: body.changes,
          reason: body.reason.trim(),
          requestedBy: caller.principal!.id,
        })
        .returning();
      return r;
    },
  );
  return amendmentView(amendment!);
}

async function decide(
  deps: ContractDeps,
  caller: Caller,
  id: string,
  amendmentId: string,
  approve: boolean,
  note?: string,
) {
  let decided: AmendmentRow | undefined;
  const row = await transition(
    deps,
    caller,
    id,
    {
      action: approve ? 'amendment.approve' : 'amendment.reject',
      policy: 'contract.review',
      from: ['registered'],
    },
    async (tx, r) => {
      const [a] = await tx
        .select()
        .from(contractAmendments)
        .where(and(eq(contractAmendments.id, amendmentId), eq(contractAmendments.contractId, id)))
        .for('update');
      if (!a) throw new NotFoundError();
      if (a.status !== 'pending' || a.fromVersion !== r.version)
        throw new ConflictError('invalid-transition', { from: a.status, action: 'decide' });
      [decided] = await tx
        .update(contractAmendments)
        .set({
          status: approve ? 'approved' : 'rejected',
          decidedBy: caller.principal!.id,
          decidedAt: new Date(),
          decisionNote: note?.trim() || null,
        })
        .where(eq(contractAmendments.id, amendmentId))
        .returning();
      if (!approve) return r;
      const checked = validateContract(merge(toInput(r), a.changes as AmendmentChanges));
      if (!checked.ok) throw new ValidationError(checked.errors);
      const amountsChanged =
        checked.value.contractValueFen !== r.contractValueFen ||
        checked.value.nonTechnicalCostsFen !== r.nonTechnicalCostsFen;
      // The immutability trigger lets this one update through: it names the approved amendment.
      await tx.execute(sql`SELECT set_config('techex.contract_amendment', ${amendmentId}, true)`);
      const next = await updateContract(tx, id, {
        ...toColumns(checked.value),
        version: r.version + 1,
        // A determination was about the old amounts; the new ones stand until determined again.
        ...(amountsChanged ? { determinedAmountFen: null, determinationReason: null } : {}),
      });
      await tx.execute(sql`SELECT set_config('techex.contract_amendment', '', true)`);
      await requestRevocationInTx(
        tx,
        VOUCHER_SOURCE,
        voucherSourceId(id, r.version),
        `amended: version ${next.version}`,
      );
      await recordVersion(tx, next, amendmentId);
      return next;
    },
  );
  deps.outbox.kick();
  return { contract: toView(row), amendment: amendmentView(decided!) };
}

export const approveAmendment = (
  deps: ContractDeps,
  caller: Caller,
  id: string,
  amendmentId: string,
  note?: string,
) => decide(deps, caller, id, amendmentId, true, note);
export const rejectAmendment = (
  deps: ContractDeps,
  caller: Caller,
  id: string,
  amendmentId: string,
  note?: string,
) => decide(deps, caller, id, amendmentId, false, note);

export async function listAmendments(
  deps: ContractDeps,
  caller: Caller,
  id: string,
  q: { cursor?: string; limit?: number },
) {
  await visibleContract(deps.db, caller, id);
  const list = `contract-amendments:${id}`;
  const after = deps.cursors.decode(list, q.cursor)?.[0] as string | undefined;
  const page = await paginate(
    deps.cursors,
    list,
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select()
        .from(contractAmendments)
        .where(
          and(eq(contractAmendments.contractId, id), after ? lt(contractAmendments.id, after) : undefined),
        )
        .orderBy(desc(contractAmendments.id))
        .limit(n),
    (a) => [a.id],
  );
  return { items: page.items.map(amendmentView), nextCursor: page.nextCursor };
}

/** 注销: the registration is cancelled and its voucher revoked, in one transaction. */
export async function cancelRegistration(deps: ContractDeps, caller: Caller, id: string, reason: string) {
  if (!reason?.trim())
    throw new ValidationError([{ field: 'body/reason', message: 'required', code: 'required' }]);
  const row = await transition(
    deps,
    caller,
    id,
    { action: 'cancel', policy: 'contract.review', from: ['registered'] },
    async (tx, r) => {
      const cancelled = await updateContract(tx, id, {
        status: 'cancelled',
        cancelledAt: new Date(),
        cancellationReason: reason.trim(),
        cancelledBy: caller.principal!.id,
      });
      await requestRevocationInTx(tx, VOUCHER_SOURCE, voucherSourceId(id, r.version), reason.trim());
      return cancelled;
    },
  );
  deps.outbox.kick();
  const [view] = await withVoucherNumbers(deps.db, [toView(row)]);
  return view!;
}
