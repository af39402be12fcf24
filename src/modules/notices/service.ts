/**
 * 协议定价公示: publish, read and list notices, object, answer, the organisations' period
 * setting, and the check the contracts module runs before a transfer is submitted.
 */
import { and, asc, desc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { type Actor, actorOf, recordAudit } from '../../platform/audit.js';
import { authorize, can, requirePrincipal } from '../../platform/authz.js';
import { type Db, type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import type { Schema } from '../../platform/http/operations.js';
import { newId } from '../../platform/ids.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import { type CursorCodec, pageByIdDesc } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { getPublicListing } from '../catalog/index.js';
import { currentCalendar } from '../contracts/index.js';
import {
  findOrganisation,
  findOrganisationByCreditCode,
  normalizeIdentifier,
  validateCreditCode,
} from '../identity/index.js';
import { emitEventInTx } from '../integration/index.js';
import { notifyInTx } from '../notifications/index.js';
import './messages.js';
import './policies.js';
import {
  type DayKind,
  DEFAULT_POLICY,
  GATED_CONTRACT_TYPES,
  type Mode,
  maskName,
  type NoticeStatus,
  periodEnd,
  STATE_FUNDED_TYPES,
} from './rules.js';
import { priceNotices as n, priceNoticeObjections as o, priceNoticePolicies } from './schema.js';

export interface NoticeDeps {
  db: Db;
  cursors: CursorCodec;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  /** The clock (tests of the period replace it). */
  now?: () => Date;
}

type NoticeRow = typeof n.$inferSelect;
type ObjectionRow = typeof o.$inferSelect;
const clock = (deps: Pick<NoticeDeps, 'now'>) => deps.now?.() ?? new Date();
const OBJECT = 'price_notice';

export interface NoticeInput {
  achievementId: string;
  mode: Mode;
  priceFen: number;
  counterparty: { name: string; creditCode?: string };
  description?: string;
}

/** The period an organisation's notices run for (its own setting, else the default). */
export async function policyOf(db: DbOrTx, organisationId: string) {
  const [row] = await db
    .select()
    .from(priceNoticePolicies)
    .where(eq(priceNoticePolicies.organisationId, organisationId));
  return row
    ? { periodDays: row.periodDays, dayKind: row.dayKind, isDefault: false }
    : { ...DEFAULT_POLICY, isDefault: true };
}

/** Publish a notice: the period starts now and runs for the organisation's policy. */
export async function publishNotice(
  deps: NoticeDeps,
  p: Principal | undefined,
  input: NoticeInput,
  requestId?: string,
) {
  requirePrincipal(p);
  const listing = await getPublicListing(deps.db, 'achievement', input.achievementId);
  if (!listing) throw new NotFoundError('price-notice-achievement-not-found');
  const organisationId = listing.organisationId as string;
  authorize(p, 'price-notice.publish', { organisationId });
  const org = await findOrganisation(deps.db, organisationId);
  if (!org || !STATE_FUNDED_TYPES.includes(org.type))
    throw new UnprocessableError('price-notice-not-state-funded');
  let creditCode: string | null = null;
  if (input.counterparty.creditCode) {
    creditCode = normalizeIdentifier(input.counterparty.creditCode);
    if (!validateCreditCode(creditCode).ok)
      throw new UnprocessableError('price-notice-counterparty-code', {}, [
        { field: 'body/counterparty/creditCode', message: 'invalid credit code', code: 'credit-code' },
      ]);
  }
  const start = clock(deps);
  const row = await deps.db.transaction(async (tx) => {
    const policy = await policyOf(tx, organisationId);
    const endsAt = periodEnd(start, policy.periodDays, policy.dayKind, await currentCalendar(tx));
    const [row] = await tx
      .insert(n)
      .values({
        id: newId(),
        organisationId,
        achievementId: listing.id as string,
        achievementTitle: listing.title as string,
        mode: input.mode,
        priceFen: input.priceFen,
        counterpartyName: input.counterparty.name.trim(),
        counterpartyCreditCode: creditCode,
        description: input.description ?? null,
        periodDays: policy.periodDays,
        dayKind: policy.dayKind,
        startsAt: start,
        endsAt,
        createdBy: p!.id,
      })
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'price-notice.published',
      objectType: OBJECT,
      objectId: row!.id,
      after: summary(row!, { total: 0, unresolved: 0 }, start),
      requestId,
    });
    // A public event: anyone subscribed to price notices may learn of it (ids and numbers only).
    await emitEventInTx(tx, {
      type: 'price-notice.published',
      subjectId: row!.id,
      data: {
        noticeId: row!.id,
        organisationId,
        achievementId: row!.achievementId,
        priceFen: row!.priceFen,
        endsAt: row!.endsAt.toISOString(),
      },
    });
    return row!;
  });
  deps.outbox.kick();
  return getNotice(deps, p, row.id);
}

interface Counts {
  total: number;
  unresolved: number;
}

/** Objections per notice: all, and those not answered before the period ended. */
const countsOf = async (db: DbOrTx, rows: NoticeRow[]): Promise<Map<string, Counts>> => {
  if (!rows.length) return new Map();
  const counts = await db
    .select({
      noticeId: o.noticeId,
      total: sql<number>`count(*)::int`,
      unresolved: sql<number>`count(*) FILTER (WHERE ${o.answeredAt} IS NULL OR ${o.answeredAt} >= ${n.endsAt})::int`,
    })
    .from(o)
    .innerJoin(n, eq(n.id, o.noticeId))
    .where(
      inArray(
        o.noticeId,
        rows.map((r) => r.id),
      ),
    )
    .groupBy(o.noticeId);
  return new Map(counts.map((c) => [c.noticeId, { total: c.total, unresolved: c.unresolved }]));
};

function statusOf(r: NoticeRow, c: Counts, now: Date): NoticeStatus {
  if (r.withdrawnAt) return 'withdrawn';
  if (now < r.endsAt) return 'in_period';
  return c.unresolved > 0 ? 'disputed' : 'cleared';
}

function summary(r: NoticeRow, c: Counts, now: Date): Schema<'PriceNotice'> {
  return {
    id: r.id,
    organisationId: r.organisationId,
    achievementId: r.achievementId,
    achievementTitle: r.achievementTitle,
    mode: r.mode,
    priceFen: r.priceFen,
    counterparty: { name: r.counterpartyName, creditCode: r.counterpartyCreditCode },
    periodDays: r.periodDays,
    dayKind: r.dayKind,
    startsAt: r.startsAt.toISOString(),
    endsAt: r.endsAt.toISOString(),
    status: statusOf(r, c, now),
    objectionCount: c.total,
    createdAt: r.createdAt.toISOString(),
    withdrawnAt: r.withdrawnAt?.toISOString() ?? null,
    withdrawReason: r.withdrawReason,
  };
}

/** The objections a detail shows (oldest first); a notice keeps at most one per objector. */
const DETAIL_OBJECTIONS = 100;

function objectionView(x: ObjectionRow, full: boolean, mine: boolean): Schema<'PriceNoticeObjection'> {
  return {
    id: x.id,
    objector: {
      name: full || mine ? x.objectorName : maskName(x.objectorName),
      ...(full ? { organisationId: x.objectorOrganisationId, kind: x.objectorKind } : {}),
    },
    text: x.text,
    answer: x.answer,
    answeredAt: x.answeredAt?.toISOString() ?? null,
    createdAt: x.createdAt.toISOString(),
  };
}

async function findNotice(db: DbOrTx, id: string, lock = false): Promise<NoticeRow> {
  const q = db.select().from(n).where(eq(n.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

/** A notice is public: anyone reads it; the objectors' names are masked except for the owner and operators. */
export async function getNotice(deps: NoticeDeps, p: Principal | undefined, id: string) {
  const row = await findNotice(deps.db, id);
  const objections = await deps.db
    .select()
    .from(o)
    .where(eq(o.noticeId, id))
    .orderBy(asc(o.id))
    .limit(DETAIL_OBJECTIONS);
  const counts = (await countsOf(deps.db, [row])).get(id) ?? { total: 0, unresolved: 0 };
  const full = can(p, 'price-notice.objectors', row);
  const now = clock(deps);
  return {
    ...summary(row, counts, now),
    description: row.description,
    objections: objections.map((x) => objectionView(x, full, !!p && x.objectorId === p.id)),
  };
}

export interface ListQuery {
  achievementId?: string;
  organisationId?: string;
  cursor?: string;
  limit?: number;
}

/** Every notice, newest first (public), optionally of one achievement or organisation. */
export async function listNotices(deps: NoticeDeps, q: ListQuery) {
  const where = and(
    q.achievementId ? eq(n.achievementId, q.achievementId) : undefined,
    q.organisationId ? eq(n.organisationId, q.organisationId) : undefined,
  );
  const page = await pageByIdDesc(
    deps.cursors,
    `price-notices:${q.achievementId ?? ''}:${q.organisationId ?? ''}`,
    q,
    (before, limit) =>
      deps.db
        .select()
        .from(n)
        .where(before ? and(where, lt(n.id, before)) : where)
        .orderBy(desc(n.id))
        .limit(limit),
    (r) => r.id,
  );
  const counts = await countsOf(deps.db, page.items);
  const now = clock(deps);
  return {
    items: page.items.map((r) => summary(r, counts.get(r.id) ?? { total: 0, unresolved: 0 }, now)),
    nextCursor: page.nextCursor,
  };
}

/** Object during the period (异议): once per person or client and notice. */
export async function objectToNotice(
  deps: NoticeDeps,
  p: Principal | undefined,
  id: string,
  input: { name: string; text: string },
  requestId?: string,
) {
  authorize(p, 'price-notice.object', null);
  const now = clock(deps);
  try {
    const objection = await deps.db.transaction(async (tx) => {
      const notice = await findNotice(tx, id);
      if (notice.withdrawnAt) throw new ConflictError('price-notice-withdrawn');
      if (now >= notice.endsAt)
        throw new ConflictError('price-notice-period-over', { endsAt: notice.endsAt.toISOString() });
      if (p!.organisationId === notice.organisationId)
        throw new UnprocessableError('price-notice-own-objection');
      const [row] = await tx
        .insert(o)
        .values({
          id: newId(),
          noticeId: id,
          objectorKind: p!.kind,
          objectorId: p!.id,
          objectorOrganisationId: p!.organisationId ?? null,
          objectorName: input.name.trim(),
          text: input.text,
          createdAt: now,
        })
        .returning();
      await recordStep(tx, 'objected', notice, row!, actorOf(p), requestId);
      return row!;
    });
    deps.outbox.kick();
    return objectionView(objection, false, true);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('price-notice-objection-exists');
    throw err;
  }
}

/** The owner answers an objection, once. Answered after the period ended, it no longer clears it. */
export async function answerObjection(
  deps: NoticeDeps,
  p: Principal | undefined,
  id: string,
  objectionId: string,
  input: { answer: string },
  requestId?: string,
) {
  const now = clock(deps);
  const row = await deps.db.transaction(async (tx) => {
    const notice = await findNotice(tx, id);
    authorize(p, 'price-notice.answer', notice);
    const [current] = await tx
      .select()
      .from(o)
      .where(and(eq(o.id, objectionId), eq(o.noticeId, id)))
      .for('update');
    if (!current) throw new NotFoundError();
    if (current.answeredAt) throw new ConflictError('price-notice-already-answered');
    const [row] = await tx
      .update(o)
      .set({ answer: input.answer, answeredAt: now, answeredBy: p!.id })
      .where(eq(o.id, objectionId))
      .returning();
    await recordStep(tx, 'answered', notice, row!, actorOf(p), requestId);
    return row!;
  });
  deps.outbox.kick();
  return objectionView(row, true, false);
}

/** The owner withdraws its notice during the period (撤回): it then never clears the gate. */
export async function withdrawNotice(
  deps: NoticeDeps,
  p: Principal | undefined,
  id: string,
  input: { reason?: string },
  requestId?: string,
) {
  const now = clock(deps);
  await deps.db.transaction(async (tx) => {
    const notice = await findNotice(tx, id, true);
    authorize(p, 'price-notice.withdraw', notice);
    if (notice.withdrawnAt) throw new ConflictError('price-notice-withdrawn');
    if (now >= notice.endsAt)
      throw new ConflictError('price-notice-period-over', { endsAt: notice.endsAt.toISOString() });
    await tx
      .update(n)
      .set({ withdrawnAt: now, withdrawnBy: p!.id, withdrawReason: input.reason ?? null })
      .where(eq(n.id, id));
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'price-notice.withdrawn',
      objectType: OBJECT,
      objectId: id,
      before: { status: 'in_period' },
      after: { status: 'withdrawn', reason: input.reason ?? null },
      requestId,
    });
    // Public like the publication: ids only.
    await emitEventInTx(tx, {
      type: 'price-notice.withdrawn',
      subjectId: id,
      data: { noticeId: id, organisationId: notice.organisationId, achievementId: notice.achievementId },
    });
  });
  deps.outbox.kick();
  return getNotice(deps, p, id);
}

/**
 * An objection or an answer: audited, told to the owner's inbox (and the objector's
 * organisation), and sent as a webhook event to both organisations (ids only, no text).
 */
async function recordStep(
  tx: DbOrTx,
  step: 'objected' | 'answered',
  notice: NoticeRow,
  x: ObjectionRow,
  actor: Actor,
  requestId?: string,
) {
  await recordAudit(tx, {
    actor,
    action: `price-notice.${step}`,
    objectType: OBJECT,
    objectId: notice.id,
    after: { objectionId: x.id, answered: !!x.answeredAt },
    requestId,
  });
  const orgs = [notice.organisationId, ...(x.objectorOrganisationId ? [x.objectorOrganisationId] : [])];
  const data = { noticeId: notice.id, objectionId: x.id, achievementId: notice.achievementId, step };
  const title = step === 'objected' ? '协议定价公示收到异议' : '协议定价公示异议已答复';
  await notifyInTx(
    tx,
    [...new Set(orgs)].map((organisationId) => ({
      recipient: { organisationId },
      kind: `price-notice.${step}`,
      title: `${title}：${notice.achievementTitle}`,
      data,
      dedupKey: `price-notice:${x.id}:${step}:${organisationId}`,
    })),
  );
  await emitEventInTx(tx, {
    type: `price-notice.${step}`,
    subjectId: notice.id,
    organisationIds: orgs,
    data,
  });
}

/** The organisation's period setting (its own, or the default). */
export async function getPolicy(deps: NoticeDeps, p: Principal | undefined, organisationId: string) {
  const org = await findOrganisation(deps.db, organisationId);
  if (!org) throw new NotFoundError();
  authorize(p, 'price-notice.policy.read', { organisationId });
  return { organisationId, ...(await policyOf(deps.db, organisationId)) };
}

export async function setPolicy(
  deps: NoticeDeps,
  p: Principal | undefined,
  organisationId: string,
  input: { periodDays: number; dayKind: DayKind },
  requestId?: string,
) {
  const org = await findOrganisation(deps.db, organisationId);
  if (!org) throw new NotFoundError();
  authorize(p, 'price-notice.policy.write', { organisationId });
  await deps.db.transaction(async (tx) => {
    const before = await policyOf(tx, organisationId);
    const values = { periodDays: input.periodDays, dayKind: input.dayKind, updatedBy: p!.id };
    await tx
      .insert(priceNoticePolicies)
      .values({ organisationId, ...values })
      .onConflictDoUpdate({
        target: priceNoticePolicies.organisationId,
        set: { ...values, updatedAt: sql`now()` },
      });
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'price-notice.policy-set',
      objectType: 'organisation',
      objectId: organisationId,
      before,
      after: input,
      requestId,
    });
  });
  return getPolicy(deps, p, organisationId);
}

/** What the contracts module hands the check: the application's type, parties and achievements. */
export interface GatedContract {
  type: string;
  seller: { creditCode?: string | null };
  buyer: { name?: string; creditCode?: string | null };
  achievementIds: string[];
}

/**
 * 协议定价公示 before registration: a technology transfer or licence whose seller is a
 * state-funded organisation and which names achievements needs, for each of them, a notice of
 * that organisation for that counterparty whose period has ended without an unanswered
 * objection. Otherwise 409 `contract-price-notice-required`, naming what is missing.
 */
export async function requireClearedNotices(db: DbOrTx, c: GatedContract, now: Date): Promise<void> {
  if (!GATED_CONTRACT_TYPES.includes(c.type) || !c.achievementIds.length || !c.seller.creditCode) return;
  const seller = await findOrganisationByCreditCode(db, normalizeIdentifier(c.seller.creditCode));
  if (!seller || !STATE_FUNDED_TYPES.includes(seller.type)) return;
  const buyerCode = c.buyer.creditCode ? normalizeIdentifier(c.buyer.creditCode) : null;
  const counterparty: SQL = buyerCode
    ? eq(n.counterpartyCreditCode, buyerCode)
    : eq(n.counterpartyName, (c.buyer.name ?? '').trim());
  const notices = await db
    .select()
    .from(n)
    .where(and(eq(n.organisationId, seller.id), inArray(n.achievementId, c.achievementIds), counterparty));
  const counts = await countsOf(db, notices);
  for (const achievementId of c.achievementIds) {
    const mine = notices.filter((x) => x.achievementId === achievementId);
    const statuses = mine.map((x) => statusOf(x, counts.get(x.id) ?? { total: 0, unresolved: 0 }, now));
    if (statuses.includes('cleared')) continue;
    const reason = statuses.includes('in_period')
      ? 'in_period'
      : statuses.includes('disputed')
        ? 'disputed'
        : 'missing';
    throw new ConflictError(
      'contract-price-notice-required',
      { missing: achievementId, counterparty: buyerCode ?? c.buyer.name ?? '', reason },
      { achievementId, counterparty: { name: c.buyer.name ?? null, creditCode: buyerCode }, reason },
    );
  }
}
