/**
 * Applications for technology contract registration: create and correct drafts, submit (the
 * review clock starts, or restarts after a return), read and list. Review decisions are in
 * review.ts, amendments and cancellation in amendments.ts.
 */
import { actorOf, auditCteText, recordAudit } from '../../platform/audit.js';
import { authorize, requirePrincipal } from '../../platform/authz.js';
import type { Db, Tx } from '../../platform/db.js';
import {
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../../platform/errors.js';
import { newId, UUID_RE } from '../../platform/ids.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import { type CursorCodec, clampLimit, paginate } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { constantText, pipelinedTransaction, type Text } from '../../platform/statement.js';
import { getPublicListing } from '../catalog/index.js';
import {
  type ApplicantOrganisation,
  findOrganisation,
  findVerifiedOrganisationsByCreditCodes,
  normalizeIdentifier,
  validateCreditCode,
} from '../identity/index.js';
import { eventCtesText, subscribedEndpointsText } from '../integration/index.js';
import { requireClearedNotices } from '../notices/index.js';
import { chinaDate, dueDateAfter } from './calendar.js';
import {
  type DuplicateRow,
  duplicateText,
  existingOf,
  findDuplicateApplication,
  lockApplicant,
  lockApplicantReading,
  throwIfDuplicate,
} from './duplicates.js';
import { AUDIENCE_SQL, audienceOf, contractEvent, PARTIES_IDS, PARTY_ORGANISATIONS } from './events.js';
import { calendarForStamp, calendarStampSql } from './holiday-years.js';
import './messages.js';
import { visiblePoints } from './policies.js';
import {
  type ContractRow,
  draftRow,
  findContract,
  insertDraftWith,
  listContracts,
  listOverdue,
  lockContractWith,
  techManagersAmong,
  toColumns,
  updateContract,
  updateContractWith,
  visibility,
} from './repository.js';
import { type ContractStatus, reviewWorkingDays } from './rules.js';
import { type ContractInput, declaredTransactionAmount, validateContract } from './validation.js';
import { type Caller, toView, withVoucherNumbers } from './view.js';

export interface ContractDeps {
  db: Db;
  cursors: CursorCodec;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  /** The clock, replaceable in tests of due dates. */
  now?: () => Date;
}

const OBJECT = 'technology_contract';

/**
 * Checks an application against the rules and against who applies; returns it normalised.
 * `linked` are achievement ids already on the registered contract (an amendment keeps them
 * even if the listing has since left the public catalogue).
 */
export async function checkApplication(
  db: Db | Tx,
  caller: Caller,
  input: ContractInput,
  linked: string[] = [],
) {
  const p = requirePrincipal(caller.principal);
  if (!p.organisationId) throw new ForbiddenError('contract-applicant-no-organisation');
  const org = checkApplicant(p, await findOrganisation(db, p.organisationId));
  const checked = validateContract(input, { overriddenCodes: await overriddenCodes(db, input) });
  if (!checked.ok) throw new ValidationError(checked.errors);
  return {
    org: { id: org.id, subCentreId: org.subCentreId },
    value: await checkAgainstApplicant(db, org, checked.value, linked),
  };
}

/** The applying organisation may apply: verified, the caller acts for it, it has a registration point. */
function checkApplicant(p: Principal, org: ApplicantOrganisation | undefined) {
  if (!org) throw new ForbiddenError('contract-applicant-no-organisation');
  if (org.verificationStatus !== 'verified') throw new ForbiddenError('contract-applicant-not-verified');
  authorize(p, 'contract.apply', { id: org.id, verified: true });
  if (!org.subCentreId) throw new UnprocessableError('contract-applicant-no-registration-point');
  return { id: org.id, subCentreId: org.subCentreId, creditCode: org.creditCode };
}

/**
 * A valid application `c` against its applicant and the registers: the applicant is the applying
 * party; the broker, the technology managers and the linked achievements exist.
 */
async function checkAgainstApplicant(
  db: Db | Tx,
  org: { creditCode: string | null },
  c: ContractInput,
  linked: string[],
) {
  const side = c.imported ? c.buyer : c.seller;
  if (!org.creditCode || side.creditCode !== org.creditCode)
    throw new UnprocessableError('contract-applicant-not-party', { side: c.imported ? 'buyer' : 'seller' });
  const errors = [];
  if (c.transferInstitutionId) {
    const inst = await findOrganisation(db, c.transferInstitutionId);
    if (inst?.type !== 'transfer_institution')
      errors.push({
        field: 'body/transferInstitutionId',
        message: 'not a transfer institution',
        code: 'broker',
      });
  }
  const managers = [...new Set(c.techManagerIds ?? [])];
  const holding = await techManagersAmong(db, managers);
  for (const [i, id] of managers.entries())
    if (!holding.has(id))
      errors.push({ field: `body/techManagerIds/${i}`, message: 'not a technology manager', code: 'broker' });
  // Linked achievements must be in the public catalogue (published, in negotiation or transacted).
  for (const [i, id] of (c.achievementIds ?? []).entries()) {
    if (linked.includes(id)) continue;
    if (!UUID_RE.test(id) || !(await getPublicListing(db, 'achievement', id)))
      errors.push({
        field: `body/achievementIds/${i}`,
        message: 'no such published achievement',
        code: 'achievement',
      });
  }
  if (errors.length) throw new ValidationError(errors);
  return { ...c, techManagerIds: managers };
}

/**
 * The parties' codes that fail their check character but were accepted for a verified
 * organisation by a registrar's override (identity): valid here because they are its code.
 */
async function overriddenCodes(db: Db | Tx, input: ContractInput): Promise<Set<string>> {
  const failing = [input?.seller?.creditCode, input?.buyer?.creditCode]
    .filter((c): c is string => typeof c === 'string' && c !== '' && !validateCreditCode(c).ok)
    .map(normalizeIdentifier);
  if (failing.length === 0) return new Set();
  const orgs = await findVerifiedOrganisationsByCreditCodes(db, failing);
  return new Set(orgs.filter((o) => o.overridden).map((o) => o.creditCode));
}

/**
 * A new application. The valid case costs the transaction's statements only: the applying
 * organisation is read in the statement taking the applicant's locks, and the duplicate check,
 * the insert and the audit row are one statement. An invalid application is checked as
 * `checkApplication` does, so its errors come in the same order (applicant first).
 */
export async function createContract(deps: ContractDeps, caller: Caller, input: ContractInput) {
  const p = requirePrincipal(caller.principal);
  if (!p.organisationId) throw new ForbiddenError('contract-applicant-no-organisation');
  const checked = validateContract(input, { overriddenCodes: await overriddenCodes(deps.db, input) });
  if (!checked.ok) {
    await checkApplication(deps.db, caller, input);
    throw new ValidationError(checked.errors);
  }
  const organisationId = p.organisationId;
  // Two round trips: BEGIN with the applicant's locks, the insert with the COMMIT.
  return pipelinedTransaction(deps.db, async (tx) => {
    const org = checkApplicant(
      p,
      await lockApplicantReading(tx, organisationId, checked.value.documentSha256),
    );
    const value = await checkAgainstApplicant(tx, org, checked.value, []);
    const row = draftRow(
      {
        id: newId(),
        organisationId: org.id,
        subCentreId: org.subCentreId,
        createdBy: p.id,
        ...toColumns(value),
      },
      new Date(),
    );
    // The duplicate check, the insert and its audit row in one statement.
    const { duplicate } = await insertDraftWith(
      tx,
      row,
      duplicateText(value),
      (from) => [
        auditCteText(
          'audit',
          {
            actor: actorOf(caller.principal),
            action: 'contract.create',
            objectType: OBJECT,
            objectId: row.id,
            after: toView(row),
            requestId: caller.requestId,
          },
          from,
        ),
      ],
      { last: true },
    );
    if (duplicate) throwIfDuplicate(existingOf(duplicate as DuplicateRow), org.id, value);
    return toView(row);
  });
}

/** Loads a contract the caller may see (404 otherwise) and checks `action` on it. */
export async function visibleContract(db: Db | Tx, caller: Caller, id: string, action = 'contract.read') {
  const row = await findContract(db, id);
  if (!row) throw new NotFoundError();
  authorize(caller.principal, 'contract.read', row);
  if (action !== 'contract.read') authorize(caller.principal, action, row);
  return row;
}

/**
 * One transition in one transaction: lock, authorise, check the state, apply, audit.
 * `from` lists the states the transition starts from; anything else is 409.
 * The caller is authorised on the locked row itself, not on a read before the transaction: one
 * round trip less per transition (registration throughput, issue 14), and the decision is taken
 * on the row the transition applies to. A caller who may not see the contract holds its lock
 * only until the 404 rolls the transaction back.
 */
export async function transition<K extends string = never>(
  deps: ContractDeps,
  caller: Caller,
  id: string,
  t: {
    action: string;
    policy: string;
    from: readonly string[];
    auditedByApply?: boolean;
    /** Values read with the row, in its locking statement (repository.ts, `lockContractWith`). */
    with?: Record<K, Text>;
    /** Read the parties' organisations with the row too (`parties.ids`, for the `with` values). */
    parties?: Text;
  },
  apply: (tx: Tx, row: ContractRow, extra: Record<K, unknown>) => Promise<ContractRow>,
): Promise<ContractRow> {
  // BEGIN goes out with the locking read; an `apply` whose write is the transaction's last
  // statement sends it with the COMMIT (`runText`'s `last`): two round trips, not four.
  return pipelinedTransaction(deps.db, async (tx) => {
    const locked = await lockContractWith(tx, id, t.with ?? ({} as Record<K, Text>), t.parties);
    if (!locked) throw new NotFoundError();
    const { row, extra } = locked;
    authorize(caller.principal, 'contract.read', row);
    if (t.policy !== 'contract.read') authorize(caller.principal, t.policy, row);
    if (!t.from.includes(row.status)) throw new InvalidTransitionError(row.status, t.action);
    const after = await apply(tx, row, extra);
    // Submission, taking and registration write their audit row inside their update statement
    // (`contractAudit`, repository.ts `updateContractWith`, review.ts).
    if (t.auditedByApply) return after;
    await recordAudit(tx, contractAudit(caller, t.action, row, after));
    return after;
  });
}

/** The audit entry of a transition of contract `before` to `after`. */
export function contractAudit(caller: Caller, action: string, before: ContractRow, after: ContractRow) {
  return {
    actor: actorOf(caller.principal),
    action: `contract.${action}`,
    objectType: OBJECT,
    objectId: before.id,
    before: toView(before),
    after: toView(after),
    requestId: caller.requestId,
  };
}

export async function updateDraft(deps: ContractDeps, caller: Caller, id: string, input: ContractInput) {
  const current = await visibleContract(deps.db, caller, id, 'contract.edit');
  if (current.status === 'registered' || current.status === 'cancelled')
    throw new InvalidTransitionError(current.status, 'update');
  const { value } = await checkApplication(deps.db, caller, input);
  const row = await transition(
    deps,
    caller,
    id,
    { action: 'update', policy: 'contract.edit', from: ['draft', 'returned'] },
    async (tx) => {
      await lockApplicant(tx, current.organisationId, value.documentSha256);
      await findDuplicateApplication(tx, current.organisationId, value, id);
      return updateContract(tx, id, toColumns(value));
    },
  );
  return toView(row);
}

/** The submission's event, its subscriptions read with the contract (`transition`'s `with`). */
const SUBMITTED_ENDPOINTS = subscribedEndpointsText('contract.submitted', AUDIENCE_SQL);
const CALENDAR_STAMP = constantText(calendarStampSql());

/** Submit (or resubmit after a return): the review period starts again from today. */
export async function submitContract(deps: ContractDeps, caller: Caller, id: string) {
  const now = deps.now?.() ?? new Date();
  let deliveries = 0;
  const row = await transition(
    deps,
    caller,
    id,
    {
      action: 'submit',
      policy: 'contract.edit',
      from: ['draft', 'returned'],
      auditedByApply: true,
      // Read with the row: whether the holiday calendar changed since this process cached it,
      // the parties' organisations (the event's audience) and the subscriptions to the event.
      parties: PARTY_ORGANISATIONS,
      with: { calendarStamp: CALENDAR_STAMP, parties: PARTIES_IDS, endpoints: SUBMITTED_ENDPOINTS },
    },
    async (tx, r, x) => {
      // 协议定价公示: a state-funded seller's transfer of an achievement needs a cleared notice.
      const party = (x: unknown) => x as { name?: string; creditCode?: string | null };
      await requireClearedNotices(
        tx,
        { type: r.type, seller: party(r.seller), buyer: party(r.buyer), achievementIds: r.achievementIds },
        now,
      );
      const days = reviewWorkingDays(declaredTransactionAmount(r), r.disputed);
      // Past the calendar's last loaded year the count is a Monday–Friday guess: marked
      // provisional, and recomputed when an operator loads that year (holiday-years.ts).
      const due = dueDateAfter(now, days, await calendarForStamp(tx, x.calendarStamp as string));
      const event = contractEvent(
        'contract.submitted',
        r,
        { submittedAt: now.toISOString() },
        audienceOf(r, x.parties as string[]),
        x.endpoints as string[],
      );
      deliveries = event.deliveries.length;
      // The update, the event and the audit row in one statement.
      return updateContractWith(
        tx,
        r,
        {
          status: 'submitted',
          submittedAt: now,
          reviewWorkingDays: days,
          dueDate: due.dueDate,
          dueDateProvisional: due.provisional,
          reviewerId: null,
          reviewStartedAt: null,
        },
        (from, after) => [
          eventCtesText('submitted', event, from),
          auditCteText('audit', contractAudit(caller, 'submit', r, after), from),
        ],
        { last: true },
      );
    },
  );
  // Only a subscribed partner's delivery puts a job in the outbox; else there is nothing to dispatch.
  if (deliveries > 0) deps.outbox.kick();
  return toView(row);
}

export async function getContract(deps: ContractDeps, caller: Caller, id: string) {
  const [view] = await withVoucherNumbers(deps.db, [toView(await visibleContract(deps.db, caller, id))]);
  return view!;
}

export async function listVisibleContracts(
  deps: ContractDeps,
  caller: Caller,
  q: { status?: ContractStatus; cursor?: string; limit?: number },
) {
  const p = requirePrincipal(caller.principal);
  const where = visibility(p.organisationId, visiblePoints(p));
  const list = `contracts:${q.status ?? ''}`;
  const after = deps.cursors.decode(list, q.cursor);
  const page = await paginate(
    deps.cursors,
    list,
    clampLimit(q.limit),
    (n) =>
      listContracts(deps.db, {
        where,
        status: q.status,
        beforeId: after?.[0] as string | undefined,
        limit: n,
      }),
    (r) => [r.id],
  );
  return { items: await withVoucherNumbers(deps.db, page.items.map(toView)), nextCursor: page.nextCursor };
}

/** Registrars' overdue list: their points' applications past the due date (operators: all). */
export async function listOverdueContracts(
  deps: ContractDeps,
  caller: Caller,
  q: { cursor?: string; limit?: number },
) {
  const p = requirePrincipal(caller.principal);
  const points = visiblePoints(p);
  if (points !== 'all' && points.length === 0) throw new ForbiddenError();
  const where = visibility(undefined, points);
  const today = chinaDate(deps.now?.() ?? new Date());
  const after = deps.cursors.decode('contracts-overdue', q.cursor) as [string, string] | undefined;
  const page = await paginate(
    deps.cursors,
    'contracts-overdue',
    clampLimit(q.limit),
    (n) => listOverdue(deps.db, { where, today, after, limit: n }),
    (r) => [r.dueDate, r.id],
  );
  return { items: page.items.map(toView), nextCursor: page.nextCursor };
}
