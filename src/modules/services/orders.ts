import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { actorOf } from '../../platform/audit.js';
import { authorize, check } from '../../platform/authz.js';
import { isUniqueViolation, type Tx } from '../../platform/db.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../platform/errors.js';
import { historyOf, historyView } from '../../platform/history.js';
import { newId } from '../../platform/ids.js';
import { pageNewestFirst, partyScope } from '../../platform/lists.js';
import { isOperator, type Principal } from '../../platform/principal.js';
import { requireReason } from '../../platform/reasons.js';
import { requestVoucherInTx, voucherNumbersFor } from '../vouchers/index.js';
import { type PageQuery, type ServiceDeps, verifiedOrganisationOf } from './deps.js';
import { chinaToday } from './kinds.js';
import { ORDER_ACTIONS, type OrderAction, orderTable, RUNNING } from './lifecycle.js';
import { dueDateFor, organisationOf, subCentreOf } from './ports.js';
import {
  serviceOfferings,
  serviceOrderEvents,
  serviceQuotes,
  serviceRequests,
  serviceOrders as so,
} from './schema.js';
import { type OrderStep, recordOrderStep } from './steps.js';
import { type OrderRow, orderView } from './views.js';

export const VOUCHER_SOURCE = 'service_order';

export interface OrderStepInput {
  note?: string;
  reason?: { code: string; text?: string };
  deliverables?: { name: string; sha256: string }[];
  outcome?: string;
}

export async function findOrder(db: Tx | ServiceDeps['db'], id: string, lock = false): Promise<OrderRow> {
  const q = db.select().from(so).where(eq(so.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

/** The parties of an order and its status, for other modules (brokers); undefined if none. */
export interface OrderParties {
  buyerOrganisationId: string;
  institutionOrganisationId: string;
  buyerSubCentreId: string | null;
  status: string;
}

export async function orderParties(
  db: Tx | ServiceDeps['db'],
  id: string,
): Promise<OrderParties | undefined> {
  const [row] = await db
    .select({
      buyerOrganisationId: so.buyerOrganisationId,
      institutionOrganisationId: so.institutionOrganisationId,
      buyerSubCentreId: so.buyerSubCentreId,
      status: so.status,
    })
    .from(so)
    .where(eq(so.id, id));
  return row;
}

const required = (field: string, message: string) =>
  new ValidationError([{ field: `body/${field}`, code: 'required', message }]);

/** The buyer accepts a quote: the order is made, due `turnaround` working days from today. */
export async function createOrder(
  deps: ServiceDeps,
  p: Principal | undefined,
  quoteId: string,
  requestId?: string,
): Promise<OrderRow> {
  const buyer = verifiedOrganisationOf(p);
  const now = deps.now?.() ?? new Date();
  try {
    const row = await deps.db.transaction(async (tx) => {
      const [quote] = await tx.select().from(serviceQuotes).where(eq(serviceQuotes.id, quoteId));
      const [request] = quote
        ? await tx.select().from(serviceRequests).where(eq(serviceRequests.id, quote.requestId)).for('update')
        : [];
      // Only the requesting organisation knows the quotes it received.
      if (!quote || !request || request.organisationId !== buyer) throw new NotFoundError();
      if (request.status === 'closed') throw new ConflictError('service-request-closed');
      if (quote.withdrawnAt) throw new ConflictError('service-quote-withdrawn');
      if (request.status !== 'open') {
        const [existing] = await tx.select({ id: so.id }).from(so).where(eq(so.requestId, request.id));
        throw new ConflictError('service-quote-already-ordered', { orderId: existing?.id ?? '' });
      }
      if (quote.validUntil < chinaToday(now)) throw new ConflictError('service-quote-expired');
      const [offering] = await tx
        .select()
        .from(serviceOfferings)
        .where(eq(serviceOfferings.id, quote.offeringId));
      if (offering?.status !== 'published') throw new ConflictError('service-offering-unavailable');
      const status = orderTable.nextStatus('quoted', 'accept');
      const org = await organisationOf(tx, buyer);
      const [created] = await tx
        .insert(so)
        .values({
          id: newId(),
          requestId: request.id,
          quoteId: quote.id,
          offeringId: offering.id,
          kind: request.kind,
          title: request.title,
          buyerOrganisationId: buyer,
          buyerSubCentreId: org?.subCentreId ?? null,
          institutionOrganisationId: quote.organisationId,
          priceFen: quote.priceFen,
          turnaroundDays: quote.turnaroundDays,
          status,
          dueDate: await dueDateFor(tx, now, quote.turnaroundDays),
        })
        .returning();
      await tx
        .update(serviceRequests)
        .set({ status: 'ordered', updatedAt: sql`now()` })
        .where(eq(serviceRequests.id, request.id));
      const data = { quoteId, requestId: request.id, priceFen: quote.priceFen, dueDate: created!.dueDate };
      await recordOrderStep(tx, 'accept', created!, 'quoted', actorOf(p), data, requestId);
      return created!;
    });
    deps.outbox.kick();
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('service-quote-already-ordered', { orderId: '' });
    throw err;
  }
}

/** What one step changes on an order, given the order as it stood (locked). */
interface StepChange {
  /** Columns to set besides the status (which the state table decides) and updatedAt. */
  set?: Partial<typeof so.$inferInsert>;
  /** The step's details for the history, the audit trail and the webhook. */
  data?: Record<string, unknown>;
  /** Runs in the step's transaction once the order is updated; what it returns joins `data`. */
  afterUpdate?: (tx: Tx, updated: OrderRow) => Promise<Record<string, unknown>>;
}

const isTableAction = (step: Exclude<OrderStep, 'accept'>): step is Exclude<OrderAction, 'accept'> =>
  step in ORDER_ACTIONS;

/**
 * Every step on an existing order, in one transaction: lock the order, authorise the caller for
 * the step, move the status as the state table says (a lifecycle action; 409 naming what is
 * allowed otherwise) or keep it (milestone, rating, reply), apply the step's own change, record
 * the step, and kick the outbox once committed.
 */
async function runOrderStep(
  deps: ServiceDeps,
  p: Principal | undefined,
  id: string,
  step: Exclude<OrderStep, 'accept'>,
  requestId: string | undefined,
  change: (current: OrderRow) => StepChange,
): Promise<OrderRow> {
  const row = await deps.db.transaction(async (tx) => {
    const current = await findOrder(tx, id, true);
    authorize(p, 'service-order.act', { ...current, action: step });
    const to = isTableAction(step) ? orderTable.nextStatus(current.status, step) : undefined;
    const { set, data = {}, afterUpdate } = change(current);
    const status = to ? { status: to, ...(to === 'closed' ? { closedAt: new Date() } : {}) } : {};
    const [updated] = await tx
      .update(so)
      .set({ ...status, ...set, updatedAt: sql`now()` })
      .where(eq(so.id, id))
      .returning();
    const details = afterUpdate ? { ...data, ...(await afterUpdate(tx, updated!)) } : data;
    await recordOrderStep(tx, step, updated!, current.status, actorOf(p), details, requestId);
    return updated!;
  });
  deps.outbox.kick();
  return row;
}

/** One step of the order lifecycle (the table in lifecycle.ts), with what each step needs. */
export function takeOrderStep(
  deps: ServiceDeps,
  p: Principal | undefined,
  id: string,
  action: Exclude<OrderAction, 'accept'>,
  input: OrderStepInput,
  requestId?: string,
): Promise<OrderRow> {
  return runOrderStep(deps, p, id, action, requestId, (current) => lifecycleChange(action, current, input));
}

/** The columns and details of a lifecycle step; 422 where its input is missing. */
function lifecycleChange(
  action: Exclude<OrderAction, 'accept'>,
  current: OrderRow,
  input: OrderStepInput,
): StepChange {
  const at = new Date().toISOString();
  const data: Record<string, unknown> = input.note ? { note: input.note } : {};
  const set: Partial<typeof so.$inferInsert> = {};
  if (action === 'deliver') {
    if (!input.deliverables?.length)
      throw required('deliverables', 'at least one deliverable (name and SHA-256)');
    set.deliverables = input.deliverables;
    set.deliveredAt = new Date();
    data.deliverables = input.deliverables;
  }
  if (action === 'dispute') {
    if (!input.note?.trim()) throw required('note', 'say what is disputed');
    set.dispute = { reason: input.note, raisedAt: at };
  }
  if (action === 'resolve') {
    if (!input.outcome) throw required('outcome', 'an outcome is required');
    if (!input.note?.trim()) throw required('note', 'explain the decision');
    set.dispute = {
      ...(current.dispute as object),
      resolution: { outcome: input.outcome, note: input.note, at },
    };
    data.outcome = input.outcome;
  }
  if (action === 'cancel') {
    const reason = requireReason(input.reason);
    set.cancelReason = reason;
    data.reason = reason;
  }
  // A closed order the buyer accepted is a completed transaction: it gets its voucher.
  const afterUpdate =
    action === 'close'
      ? async (tx: Tx, updated: OrderRow) => ({ voucherRequested: await requestVoucher(tx, updated) })
      : undefined;
  return { set, data, afterUpdate };
}

/** The data transaction voucher (type service_order), issued by the buyer's sub-centre. */
export async function requestVoucher(tx: Tx, r: OrderRow): Promise<boolean> {
  const [buyer, institution] = await Promise.all([
    organisationOf(tx, r.buyerOrganisationId),
    organisationOf(tx, r.institutionOrganisationId),
  ]);
  const point = await subCentreOf(tx, r.buyerSubCentreId ?? institution?.subCentreId ?? '');
  if (!point || !buyer || !institution) return false;
  const deliverables = r.deliverables as { name: string; sha256: string }[];
  await requestVoucherInTx(tx, {
    type: 'service_order',
    sourceType: VOUCHER_SOURCE,
    sourceId: r.id,
    parties: [
      // An organisation without a credit code is named by its exchange id.
      { role: 'seller', name: institution.name, creditCode: institution.creditCode ?? institution.id },
      { role: 'buyer', name: buyer.name, creditCode: buyer.creditCode ?? buyer.id },
    ],
    subject: { title: r.title },
    amounts: { contractValueFen: r.priceFen, transactionAmountFen: r.priceFen },
    issuingSubCentre: { code: point.code, name: point.name },
    documentHashes: deliverables.map((d) => ({ name: d.name, sha256: d.sha256 })),
  });
  return true;
}

/** The institution reports progress (a milestone) on an accepted or running order. */
export function addMilestone(
  deps: ServiceDeps,
  p: Principal | undefined,
  id: string,
  input: { title: string; note?: string },
  requestId?: string,
): Promise<OrderRow> {
  return runOrderStep(deps, p, id, 'milestone', requestId, (current) => {
    if (!RUNNING.includes(current.status as (typeof RUNNING)[number]))
      throw new ConflictError('invalid-transition', { from: current.status, action: 'milestone' });
    const milestone = {
      title: input.title,
      ...(input.note ? { note: input.note } : {}),
      at: new Date().toISOString(),
    };
    const milestones = [...(current.milestones as object[]), milestone];
    if (milestones.length > 50) throw new UnprocessableError('unprocessable');
    return { set: { milestones }, data: { title: input.title } };
  });
}

/** The buyer rates a delivered order once (1–5 and text); the offering keeps count and sum. */
export function rateOrder(
  deps: ServiceDeps,
  p: Principal | undefined,
  id: string,
  input: { score: number; text: string },
  requestId?: string,
): Promise<OrderRow> {
  return runOrderStep(deps, p, id, 'rate', requestId, (current) => {
    if (!current.deliveredAt) throw new ConflictError('service-order-not-delivered');
    if (current.rating) throw new ConflictError('service-order-already-rated');
    const rating = { score: input.score, text: input.text, at: new Date().toISOString() };
    return {
      set: { rating },
      data: { score: input.score },
      afterUpdate: async (tx) => {
        await tx
          .update(serviceOfferings)
          .set({
            ratingCount: sql`${serviceOfferings.ratingCount} + 1`,
            ratingSum: sql`${serviceOfferings.ratingSum} + ${input.score}`,
          })
          .where(eq(serviceOfferings.id, current.offeringId));
        return {};
      },
    };
  });
}

/** The institution answers the buyer's rating once. */
export function replyToRating(
  deps: ServiceDeps,
  p: Principal | undefined,
  id: string,
  input: { text: string },
  requestId?: string,
): Promise<OrderRow> {
  return runOrderStep(deps, p, id, 'reply', requestId, (current) => {
    if (!current.rating) throw new ConflictError('service-order-not-rated');
    if (current.ratingReply) throw new ConflictError('service-order-already-replied');
    return { set: { ratingReply: { text: input.text, at: new Date().toISOString() } } };
  });
}

/** One order with its history, the actions the caller may take and its voucher number. */
export async function getOrder(deps: ServiceDeps, p: Principal | undefined, id: string) {
  const row = await findOrder(deps.db, id);
  authorize(p, 'service-order.read', row);
  const ev = serviceOrderEvents;
  const events = await historyOf(deps.db.select().from(ev).$dynamic(), ev, id, 100);
  const numbers = await voucherNumbersFor(deps.db, VOUCHER_SOURCE, [id]);
  const allowedActions = orderTable
    .actionsFrom(row.status)
    .filter((a) => check(p, 'service-order.act', { ...row, action: a }) === 'allow');
  return {
    ...orderView(row),
    voucherNumber: numbers.get(id) ?? null,
    allowedActions,
    history: events.map(historyView),
  };
}

export interface OrderQuery extends PageQuery {
  role?: 'buyer' | 'institution';
  status?: OrderRow['status'];
}

/** The caller organisation's orders (as buyer, institution or both), newest first. */
export async function listOrders(deps: ServiceDeps, p: Principal | undefined, q: OrderQuery) {
  const scope = partyScope(p, q.role, {
    buyer: so.buyerOrganisationId,
    institution: so.institutionOrganisationId,
  });
  const where = and(scope, q.status ? eq(so.status, q.status) : undefined);
  const list = `service-orders:${p?.kind}:${p?.id}:${q.role ?? ''}:${q.status ?? ''}`;
  const query = deps.db.select().from(so).$dynamic();
  const page = await pageNewestFirst(deps.cursors, list, q, query, so.id, where, (x) => x.id);
  return { items: page.items.map(orderView), nextCursor: page.nextCursor };
}

/**
 * Running orders past their due date (逾期), for the sub-centre of the buyer: a registrar sees
 * those of its sub-centres' buyers, an operator all. Newest order first.
 */
export async function listOverdue(deps: ServiceDeps, p: Principal | undefined, q: PageQuery) {
  authorize(p, 'service-order.overdue', null);
  const today = chinaToday(deps.now?.());
  const where = and(
    inArray(so.status, [...RUNNING]),
    lt(so.dueDate, today),
    isOperator(p) ? undefined : inArray(so.buyerSubCentreId, [...p!.registrarSubCentres]),
  );
  const list = `service-orders-overdue:${p!.id}`;
  const query = deps.db.select().from(so).$dynamic();
  const page = await pageNewestFirst(deps.cursors, list, q, query, so.id, where, (x) => x.id);
  return { items: page.items.map(orderView), nextCursor: page.nextCursor };
}
