/**
 * Investment interests (投资意向): an investor's interest in a project presenting at a roadshow,
 * following the interest lifecycle (rules.ts, ACTIONS). Before acceptance each side sees the
 * other's contact masked; acceptance, with the presenting side's contact person, releases both.
 */
import { and, eq, sql } from 'drizzle-orm';
import { type Actor, actorOf } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import { type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../platform/errors.js';
import { historyEntry, historyOf, webhookStepData } from '../../platform/history.js';
import type { Schema } from '../../platform/http/operations.js';
import { newId } from '../../platform/ids.js';
import { pageNewestFirst, partyScope } from '../../platform/lists.js';
import { actsFor, type Principal } from '../../platform/principal.js';
import { requireReason } from '../../platform/reasons.js';
import { notifyInTx } from '../notifications/index.js';
import { type Contact, maskContact, openContact, sealContact } from './contacts.js';
import { type FinancingDeps, recordChange } from './deps.js';
import { findInvestor } from './investors.js';
import { findPresentation, findRoadshow } from './roadshows.js';
import { type Action, actionsFrom, nextStatus } from './rules.js';
import { investmentInterestEvents as ev, investmentInterests as ii } from './schema.js';

type Row = typeof ii.$inferSelect;
export interface InvestmentInput {
  presentationId: string;
  message: string;
  amountFen?: number;
  contact: Contact;
}
export interface StepInput {
  contact?: Contact;
  reason?: { code: string; text?: string };
  note?: string;
}

const TITLES: Record<'created' | Action, [string, string]> = {
  created: ['收到投资意向', '已提交投资意向'],
  accept: ['已接受投资意向', '投资意向已被接受，可查看对方联系方式'],
  decline: ['已婉拒投资意向', '投资意向已被婉拒'],
  withdraw: ['对方已撤回投资意向', '已撤回投资意向'],
};

/** One step's trail: the interest's history, audit, both inboxes and a webhook event to both. */
async function recordStep(
  tx: DbOrTx,
  step: 'created' | Action,
  row: Row,
  from: string | null,
  actor: Actor,
  data: Record<string, unknown>,
  requestId?: string,
) {
  await tx.insert(ev).values(historyEntry(row.id, step, from, row.status, actor, data));
  const ids = {
    investmentInterestId: row.id,
    presentationId: row.presentationId,
    roadshowId: row.roadshowId,
  };
  await recordChange(tx, {
    actor,
    event: `investment-interest.${step === 'created' ? 'created' : step === 'withdraw' ? 'withdrawn' : 'answered'}`,
    objectType: 'investment_interest',
    objectId: row.id,
    organisationIds: [row.ownerOrganisationId, row.investorOrganisationId],
    data: { ...ids, step, status: row.status, ...webhookStepData(data) },
    before: from ? { status: from } : undefined,
    requestId,
  });
  const [forOwner, forInvestor] = TITLES[step];
  await notifyInTx(
    tx,
    (
      [
        [row.ownerOrganisationId, forOwner],
        [row.investorOrganisationId, forInvestor],
      ] as const
    ).map(([organisationId, title]) => ({
      recipient: { organisationId },
      kind: `investment-interest.${step}`,
      title,
      data: { ...ids, step, status: row.status },
      dedupKey: `investment-interest:${row.id}:${step}:${organisationId}`,
    })),
  );
}

async function findRow(db: DbOrTx, id: string, lock = false): Promise<Row> {
  const q = db.select().from(ii).where(eq(ii.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

/** An investor with a profile expresses interest in an accepted presentation. */
export async function createInvestment(
  deps: FinancingDeps,
  p: Principal | undefined,
  input: InvestmentInput,
  requestId?: string,
) {
  authorize(p, 'roadshow.take-part', null);
  const org = p!.organisationId!;
  if (!(await findInvestor(deps.db, org)))
    throw new UnprocessableError('financing-investor-profile-required');
  const presentation = await findPresentation(deps.db, input.presentationId);
  if (presentation?.status !== 'accepted')
    throw new UnprocessableError('financing-presentation-not-accepted');
  if (presentation.presenterOrganisationId === org) throw new UnprocessableError('financing-own-project');
  // A cancelled roadshow closes its registrations, investment interest included.
  if ((await findRoadshow(deps.db, presentation.roadshowId)).status === 'cancelled')
    throw new ConflictError('financing-roadshow-cancelled');
  try {
    const row = await deps.db.transaction(async (tx) => {
      const id = newId();
      const [row] = await tx
        .insert(ii)
        .values({
          id,
          presentationId: presentation.id,
          roadshowId: presentation.roadshowId,
          investorOrganisationId: org,
          ownerOrganisationId: presentation.presenterOrganisationId,
          message: input.message,
          amountFen: input.amountFen ?? null,
          investorContact: sealContact(deps.contactKey, id, 'investor', input.contact),
          createdBy: p!.id,
        })
        .returning();
      await recordStep(tx, 'created', row!, null, actorOf(p), {}, requestId);
      return row!;
    });
    deps.outbox.kick();
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('financing-investment-already-open');
    throw err;
  }
}

export async function takeInvestmentStep(
  deps: FinancingDeps,
  p: Principal | undefined,
  id: string,
  action: Action,
  input: StepInput,
  requestId?: string,
) {
  const row = await deps.db.transaction(async (tx) => {
    const current = await findRow(tx, id, true);
    authorize(p, 'investment.act', { ...current, action });
    const to = nextStatus(current.status, action);
    const set: Partial<typeof ii.$inferInsert> = { status: to };
    const data: Record<string, unknown> = input.note ? { note: input.note } : {};
    if (action === 'accept') {
      if (!input.contact)
        throw new ValidationError([
          { field: 'body/contact', code: 'required', message: 'accepting needs your contact person' },
        ]);
      set.ownerContact = sealContact(deps.contactKey, id, 'owner', input.contact);
      set.acceptedAt = new Date();
      data.contactsReleased = true;
    }
    if (action === 'decline') {
      const reason = requireReason(input.reason);
      set.declineReason = reason;
      data.reason = reason;
    }
    const [row] = await tx
      .update(ii)
      .set({ ...set, updatedAt: sql`now()` })
      .where(eq(ii.id, id))
      .returning();
    await recordStep(tx, action, row!, current.status, actorOf(p), data, requestId);
    return row!;
  });
  deps.outbox.kick();
  return row;
}

const summary = (r: Row): Schema<'InvestmentInterestSummary'> => ({
  id: r.id,
  presentationId: r.presentationId,
  roadshowId: r.roadshowId,
  investorOrganisationId: r.investorOrganisationId,
  ownerOrganisationId: r.ownerOrganisationId,
  amountFen: r.amountFen,
  status: r.status,
  declineReason: (r.declineReason as { code: string; text?: string } | null) ?? null,
  acceptedAt: r.acceptedAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/**
 * One investment interest with contacts and history. Each side sees its own contact in full;
 * the other side's once accepted (masked before); operators see both masked.
 */
export async function getInvestment(
  deps: FinancingDeps,
  p: Principal | undefined,
  id: string,
): Promise<Schema<'InvestmentInterest'>> {
  const row = await findRow(deps.db, id);
  authorize(p, 'investment.read', row);
  const released = row.acceptedAt !== null;
  const asInvestor = actsFor(p, row.investorOrganisationId);
  const asOwner = actsFor(p, row.ownerOrganisationId);
  const investor = openContact(deps.contactKey, row.id, 'investor', row.investorContact);
  const owner = row.ownerContact ? openContact(deps.contactKey, row.id, 'owner', row.ownerContact) : null;
  const events = await historyOf(deps.db.select().from(ev).$dynamic(), ev, id, 20);
  const sides = [asInvestor && 'investor', asOwner && 'owner'].filter(Boolean) as string[];
  return {
    ...summary(row),
    message: row.message,
    contactsReleased: released,
    contacts: {
      investor: asInvestor || (released && asOwner) ? investor : maskContact(investor),
      owner: owner ? (asOwner || (released && asInvestor) ? owner : maskContact(owner)) : null,
    },
    allowedActions: actionsFrom(row.status).filter((a) =>
      (a === 'withdraw' ? ['investor'] : ['owner']).some((s) => sides.includes(s)),
    ),
    history: events.map((e) => ({
      action: e.action,
      fromStatus: e.fromStatus,
      toStatus: e.toStatus,
      actorOrganisationId: e.actorOrganisationId,
      occurredAt: e.occurredAt.toISOString(),
    })),
  };
}

/** The caller organisation's investment interests, newest first: sent (as investor), received, or both. */
export async function listInvestments(
  deps: FinancingDeps,
  p: Principal | undefined,
  q: { role?: 'sent' | 'received'; status?: Row['status']; cursor?: string; limit?: number },
) {
  const scope = partyScope(p, q.role, { sent: ii.investorOrganisationId, received: ii.ownerOrganisationId });
  const where = and(scope, q.status ? eq(ii.status, q.status) : undefined);
  const list = `investments:${p?.kind}:${p?.id}:${q.role ?? ''}:${q.status ?? ''}`;
  const query = deps.db.select().from(ii).$dynamic();
  const page = await pageNewestFirst(deps.cursors, list, q, query, ii.id, where, (r) => r.id);
  return { items: page.items.map(summary), nextCursor: page.nextCursor };
}
