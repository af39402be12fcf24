/**
 * What other modules hand the vouchers module, inside their own database transaction:
 * `requestVoucherInTx` when a transaction completes (a contract is registered, a partner's data
 * product deal is reported), `requestRevocationInTx` when it is cancelled. Both only write rows
 * (the request and an outbox job); signing happens in the worker after commit.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../platform/db.js';
import { ValidationError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { assertJobId } from '../../platform/queue.js';
import { jsonbTextWith, raw, type Text, text } from '../../platform/statement.js';
import { emitRevokedEventInTx } from './events.js';
import { vouchers, voucherTransactions } from './schema.js';
import {
  chinaYear,
  makeVoucherNumber,
  type VoucherParty,
  type VoucherPayload,
  type VoucherType,
  validateVoucherPayload,
} from './voucher-format.js';

export const ISSUE_QUEUE = 'vouchers.issue';
const ISSUE_JOB_PREFIX = 'voucher-issue-';
const issueJobId = (transactionId: string) => `${ISSUE_JOB_PREFIX}${transactionId}`;
/**
 * The batch issuer (issuer.ts) sweeps pending transactions itself, usually within a fraction of
 * a second, and marks each one's issuing job dispatched in the issuing transaction (the job's
 * outbox row has the transaction's id). The queue hop (outbox → BullMQ → job → issuer) costs as
 * much as the signing, so the outbox leaves these jobs to the issuer for this long and delivers
 * only those still pending after it (the issuer was down, or failed on that request). Long
 * enough that a backlog (an issuer alive but behind) does not bring the queue's load back.
 * The module declares it (module.ts `deferOutboxDispatch`).
 */
export const ISSUE_DISPATCH_GRACE_MS = 60_000;

declare module '../../platform/queue.js' {
  interface QueueRegistry {
    /** Issue the voucher of one recorded transaction (job id `voucher-issue-<transactionId>`). */
    'vouchers.issue': { transactionId: string };
  }
}

/** A completed transaction, self-contained: everything its voucher will say. */
export interface VoucherRequest {
  type: VoucherType;
  /** Who owns the transaction, e.g. `technology_contract` or `data_product`, and its id there. */
  sourceType: string;
  sourceId: string;
  parties: VoucherParty[];
  subject: { title: string; achievementIds?: string[] };
  /** Integer fen: 合同成交额 and 技术交易额 (the registrar's determined amount). */
  amounts: { contractValueFen: number; transactionAmountFen: number };
  /** 技术合同登记号, for technology contracts. */
  contractRegistrationNumber?: string;
  /** The sub-centre (分中心 / 登记机构) that issues the voucher. */
  issuingSubCentre: { code: string; name: string };
  /** SHA-256 of the underlying documents (the contract, the registration certificate, …). */
  documentHashes: { name: string; sha256: string }[];
}

const SOURCE_TYPE_RE = /^[a-z][a-z0-9_]{0,39}$/;
const SOURCE_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_TEXT = 500;

/** The signed payload for a request, at `issuedAt`, with voucher `number`. */
export function buildPayload(request: VoucherRequest, number: string, issuedAt: Date): VoucherPayload {
  const payload: VoucherPayload = {
    number,
    type: request.type,
    issuedAt: `${issuedAt.toISOString().slice(0, 19)}Z`,
    issuer: { name: request.issuingSubCentre?.name, subCentreCode: request.issuingSubCentre?.code },
    parties: request.parties?.map((p) => ({ role: p.role, name: p.name, creditCode: p.creditCode })),
    subject: request.subject?.achievementIds
      ? { title: request.subject.title, achievementIds: [...request.subject.achievementIds] }
      : { title: request.subject?.title },
    amounts: {
      contractValueFen: request.amounts?.contractValueFen,
      transactionAmountFen: request.amounts?.transactionAmountFen,
      currency: 'CNY',
    },
    documentHashes: request.documentHashes?.map((d) => ({ name: d.name, sha256: d.sha256 })),
  };
  if (request.contractRegistrationNumber !== undefined)
    payload.contractRegistrationNumber = request.contractRegistrationNumber;
  return payload;
}

/**
 * The voucher number's year is the issue year in China Standard Time (UTC+8). `random`: 7 CSPRNG
 * bytes (makeVoucherNumber; fresh ones when omitted), e.g. a slice of one draw for a whole batch.
 */
export function voucherNumberFor(issuedAt: Date, random?: Uint8Array): string {
  return makeVoucherNumber(chinaYear(issuedAt), random);
}

/** The validation draft's stand-in number bits: the draft is never signed or stored. */
const DRAFT_RANDOM = new Uint8Array(7);

/** Every problem with a request, as field errors (empty when it can be issued). */
export function validateVoucherRequest(request: VoucherRequest): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  if (typeof request?.sourceType !== 'string' || !SOURCE_TYPE_RE.test(request.sourceType))
    errors.push({ field: 'sourceType', message: 'must match ^[a-z][a-z0-9_]{0,39}$' });
  if (typeof request?.sourceId !== 'string' || !SOURCE_ID_RE.test(request.sourceId))
    errors.push({ field: 'sourceId', message: 'must be 1-128 characters of [A-Za-z0-9._:-]' });
  if (request?.type === 'technology_contract' && !request.contractRegistrationNumber)
    errors.push({ field: 'contractRegistrationNumber', message: 'a technology contract voucher needs it' });
  const tooLong = JSON.stringify(request ?? null).length > 64 * 1024;
  if (tooLong) errors.push({ field: '', message: 'the request exceeds 64 KiB' });
  const texts = [
    request?.subject?.title,
    request?.issuingSubCentre?.name,
    ...(request?.parties ?? []).map((p) => p?.name),
  ];
  if (texts.some((t) => typeof t === 'string' && t.length > MAX_TEXT))
    errors.push({ field: '', message: `names and titles are at most ${MAX_TEXT} characters` });
  if (errors.length === 0) {
    const now = new Date();
    const draft = buildPayload(request, voucherNumberFor(now, DRAFT_RANDOM), now);
    for (const p of validateVoucherPayload(draft)) {
      const [path = '', ...rest] = p.split(' ');
      errors.push({ field: path.replace(/^\$\.?/, ''), message: rest.join(' ') });
    }
  }
  return errors;
}

/**
 * Records a completed transaction and, in the same database transaction, the job that will
 * issue its voucher. Idempotent per (sourceType, sourceId): a repeated call changes nothing and
 * returns the first transaction id. Call `outbox.kick()` after your transaction commits.
 */
export async function requestVoucherInTx(
  tx: DbOrTx,
  request: VoucherRequest,
): Promise<{ transactionId: string; created: boolean }> {
  const [result] = await requestVouchersInTx(tx, [request]);
  return result!;
}

/**
 * `requestVoucherInTx` as CTEs of the caller's statement (a `Text`, platform/statement.ts): the
 * request and its issuing job are written once per row of `from` (a CTE of it), with `lateValue`
 * (SQL of that statement, e.g. the contract registration number it allocates) as
 * `contractRegistrationNumber`. `request` carries a stand-in number of the same form, for
 * validation. Idempotent like `requestVoucherInTx` (a repeated source writes nothing); call
 * `outbox.kick()` after commit.
 */
export function requestVoucherCtesText(
  name: string,
  request: VoucherRequest,
  from: string,
  lateValue: string,
): Text {
  const errors = validateVoucherRequest(request).map((e) => ({ ...e, code: 'voucher-request' }));
  if (errors.length) throw new ValidationError(errors);
  const id = newId();
  assertJobId(issueJobId(id));
  const t = raw(`${name}_transaction`);
  return text`${t} AS (
      INSERT INTO voucher_transactions (id, source_type, source_id, request)
      SELECT ${id}::uuid, ${request.sourceType}, ${request.sourceId},
             ${jsonbTextWith(request, lateValue, [['contractRegistrationNumber']])}
      FROM ${raw(from)}
      ON CONFLICT DO NOTHING
      RETURNING id),
    ${raw(`${name}_job`)} AS (
      INSERT INTO outbox_jobs (id, queue, name, job_id, payload)
      SELECT ${t}.id, ${ISSUE_QUEUE}, ${ISSUE_QUEUE}, ${issueJobId(id)}, jsonb_build_object('transactionId', ${t}.id)
      FROM ${t})`;
}

/**
 * `requestVoucherInTx` for many transactions at once (a partner's batch, an import): two
 * statements whatever the count. Results are in the order of `requests`.
 * Given the database instead of a transaction, the requests and their issuing jobs are still
 * written together: they are one statement (the second one only reads existing ids).
 */
export async function requestVouchersInTx(
  tx: DbOrTx,
  requests: VoucherRequest[],
): Promise<{ transactionId: string; created: boolean }[]> {
  assertValidVoucherRequests(requests);
  return insertValidatedVoucherRequests(tx, requests);
}

/** Throws a ValidationError listing every problem of the requests (field `i/…` for several). */
export function assertValidVoucherRequests(requests: VoucherRequest[]): void {
  const errors = requests.flatMap((r, i) =>
    validateVoucherRequest(r).map((e) => ({
      ...e,
      field: requests.length > 1 ? `${i}${e.field ? `/${e.field}` : ''}` : e.field,
      code: 'voucher-request',
    })),
  );
  if (errors.length) throw new ValidationError(errors);
}

/**
 * `requestVouchersInTx` for requests the caller has validated itself (`assertValidVoucherRequests`),
 * e.g. a batch of partner submissions each checked on its own.
 */
export async function insertValidatedVoucherRequests(
  tx: DbOrTx,
  requests: VoucherRequest[],
): Promise<{ transactionId: string; created: boolean }[]> {
  if (requests.length === 0) return [];
  const key = (sourceType: string, sourceId: string) => `${sourceType}\u0000${sourceId}`;
  const rows = requests.map((request) => ({
    id: newId(),
    sourceType: request.sourceType,
    sourceId: request.sourceId,
    request,
  }));
  // One statement records the requests and the outbox jobs of those that are new (the same rows
  // enqueueManyInTx writes): a caller registering under a lock (a contract's serial) pays one
  // round trip here, not two.
  for (const r of rows) assertJobId(issueJobId(r.id));
  const inserted = await tx.execute<{ id: string }>(sql`
    WITH req AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          source_type: r.sourceType,
          source_id: r.sourceId,
          request: r.request,
        })),
      )}::jsonb) AS r(id uuid, source_type text, source_id text, request jsonb)),
    ins AS (
      INSERT INTO voucher_transactions (id, source_type, source_id, request)
      SELECT id, source_type, source_id, request FROM req
      ON CONFLICT DO NOTHING
      RETURNING id),
    jobs AS (
      INSERT INTO outbox_jobs (id, queue, name, job_id, payload)
      SELECT ins.id, ${ISSUE_QUEUE}, ${ISSUE_QUEUE}, ${ISSUE_JOB_PREFIX} || ins.id::text,
             jsonb_build_object('transactionId', ins.id)
      FROM ins)
    SELECT id FROM ins`);
  const created = new Set(inserted.rows.map((r) => r.id));
  const ids = new Map(
    rows.filter((r) => created.has(r.id)).map((r) => [key(r.sourceType, r.sourceId), r.id]),
  );
  const missing = rows.filter((r) => !ids.has(key(r.sourceType, r.sourceId)));
  if (missing.length) {
    const existing = await tx
      .select({
        id: voucherTransactions.id,
        sourceType: voucherTransactions.sourceType,
        sourceId: voucherTransactions.sourceId,
      })
      .from(voucherTransactions)
      .where(
        or(
          ...missing.map((r) =>
            and(
              eq(voucherTransactions.sourceType, r.sourceType),
              eq(voucherTransactions.sourceId, r.sourceId),
            ),
          ),
        ),
      );
    for (const e of existing) ids.set(key(e.sourceType, e.sourceId), e.id);
  }
  const firstOf = new Set<string>();
  return rows.map((r) => {
    const transactionId = ids.get(key(r.sourceType, r.sourceId))!;
    // The same source twice in one batch: the first occurrence is the one that created it.
    const isNew = created.has(transactionId) && !firstOf.has(transactionId);
    firstOf.add(transactionId);
    return { transactionId, created: isNew };
  });
}

/**
 * The numbers of the vouchers issued so far for these sources (sourceId → number); a source
 * whose voucher is still being issued (usually under a second) is absent.
 */
export async function voucherNumbersFor(
  db: DbOrTx,
  sourceType: string,
  sourceIds: readonly string[],
): Promise<Map<string, string>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await db
    .select({ sourceId: voucherTransactions.sourceId, number: vouchers.number })
    .from(voucherTransactions)
    .innerJoin(vouchers, eq(vouchers.transactionId, voucherTransactions.id))
    .where(
      and(
        eq(voucherTransactions.sourceType, sourceType),
        inArray(voucherTransactions.sourceId, [...new Set(sourceIds)]),
      ),
    );
  return new Map(rows.map((r) => [r.sourceId, r.number]));
}

/**
 * Revokes the voucher of a cancelled transaction (撤销). The voucher stays in the log; its bit in
 * the status list is set. If the voucher is not issued yet, it will be issued already revoked,
 * so the transaction still has exactly one voucher and the log shows both facts.
 * Returns false when no voucher was requested for that source. Repeating it changes nothing.
 */
export async function requestRevocationInTx(
  tx: Tx,
  sourceType: string,
  sourceId: string,
  reason: string,
): Promise<{ found: boolean; voucherNumber?: string }> {
  const why = (reason ?? '').trim().slice(0, MAX_TEXT) || 'cancelled';
  const [row] = await tx
    .update(voucherTransactions)
    .set({
      revocationReason: sql`coalesce(${voucherTransactions.revocationReason}, ${why})`,
      revocationRequestedAt: sql`coalesce(${voucherTransactions.revocationRequestedAt}, now())`,
    })
    .where(and(eq(voucherTransactions.sourceType, sourceType), eq(voucherTransactions.sourceId, sourceId)))
    .returning({ id: voucherTransactions.id, request: voucherTransactions.request });
  if (!row) return { found: false };
  // Locking the transaction row above serialises this with the issuer, which reads the
  // revocation under the same row lock: either it sees it, or the voucher exists for us here.
  // Only an active voucher changes (a revoked one keeps its time and reason), so a repeat
  // emits no second voucher.revoked.
  const [revoked] = await tx
    .update(vouchers)
    .set({ status: 'revoked', revokedAt: sql`now()`, revocationReason: why })
    .where(and(eq(vouchers.transactionId, row.id), eq(vouchers.status, 'active')))
    .returning({ number: vouchers.number, revokedAt: vouchers.revokedAt });
  if (revoked) {
    const facts = { transactionId: row.id, sourceType, sourceId, request: row.request as VoucherRequest };
    await emitRevokedEventInTx(tx, { ...facts, number: revoked.number }, revoked.revokedAt!);
    return { found: true, voucherNumber: revoked.number };
  }
  const [voucher] = await tx
    .select({ number: vouchers.number })
    .from(vouchers)
    .where(eq(vouchers.transactionId, row.id));
  return voucher ? { found: true, voucherNumber: voucher.number } : { found: true };
}
