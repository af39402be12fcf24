/**
 * Naming a technology manager as broker (居间人) on an interest, a technology contract or a service
 * order. Only a party may name one: the interest's two organisations; the contract's applicant,
 * seller or buyer (by credit code); the order's buyer or institution. The link is this module's own table; the other modules are only read.
 */
import { and, asc, eq } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import type { DbOrTx } from '../../platform/db.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { isOperator, isRegistrarOf, type Principal } from '../../platform/principal.js';
import { findContract } from '../contracts/index.js';
import { findOrganisationByCreditCode } from '../identity/index.js';
import { emitEventInTx } from '../integration/index.js';
import { interestParties } from '../interests/index.js';
import { orderParties } from '../services/index.js';
import { findManager, type ManagerDeps } from './registry.js';
import { technologyManagerBrokerages as b } from './schema.js';

export type SubjectType = 'interest' | 'contract' | 'service_order';

interface Subject {
  parties: string[];
  visible: boolean;
  status: string;
  open: boolean;
}

async function interestSubject(db: DbOrTx, p: Principal | undefined, id: string): Promise<Subject> {
  const i = await interestParties(db, id);
  if (!i) throw new NotFoundError();
  return {
    parties: [i.ownerOrganisationId, i.interestedOrganisationId],
    visible: isOperator(p),
    status: i.status,
    // A broker is named while the deal is being made or once it is made, not on a dead interest.
    open: !['declined', 'withdrawn', 'closed'].includes(i.status),
  };
}

async function contractSubject(db: DbOrTx, p: Principal | undefined, id: string): Promise<Subject> {
  const c = await findContract(db, id);
  if (!c) throw new NotFoundError();
  const codes = [c.seller, c.buyer]
    .map((x) => (x as { creditCode?: string | null }).creditCode)
    .filter((x): x is string => !!x);
  const parties = [c.organisationId];
  for (const code of codes) {
    const org = await findOrganisationByCreditCode(db, code);
    if (org) parties.push(org.id);
  }
  return {
    parties,
    visible: isOperator(p) || isRegistrarOf(p, c.subCentreId),
    status: c.status,
    open: !['refused', 'cancelled'].includes(c.status),
  };
}

async function orderSubject(db: DbOrTx, p: Principal | undefined, id: string): Promise<Subject> {
  const o = await orderParties(db, id);
  if (!o) throw new NotFoundError();
  return {
    parties: [o.buyerOrganisationId, o.institutionOrganisationId],
    // Operators and the buyer's sub-centre see the order but are no party to it.
    visible: isOperator(p) || isRegistrarOf(p, o.buyerSubCentreId),
    status: o.status,
    open: o.status !== 'cancelled',
  };
}

const SUBJECTS = { interest: interestSubject, contract: contractSubject, service_order: orderSubject };
const AUDIT_OBJECT = {
  interest: 'interest',
  contract: 'technology_contract',
  service_order: 'service_order',
};

const brokerView = (r: typeof b.$inferSelect) => ({
  id: r.id,
  managerId: r.managerId,
  subjectType: r.subjectType as SubjectType,
  subjectId: r.subjectId,
  namedByOrganisationId: r.namedByOrganisationId,
  createdAt: r.createdAt.toISOString(),
});

/** Name an active manager as broker; naming the same one again answers the existing link. */
export async function nameBroker(
  deps: ManagerDeps,
  p: Principal | undefined,
  subjectType: SubjectType,
  subjectId: string,
  managerId: string,
  requestId?: string,
) {
  const out = await deps.db.transaction(async (tx) => {
    const subject = await SUBJECTS[subjectType](tx, p, subjectId);
    authorize(p, 'manager.broker', subject);
    if (!subject.open) throw new ConflictError('manager-broker-subject-closed', { status: subject.status });
    const manager = await findManager(tx, managerId).catch((err) => {
      if (err instanceof NotFoundError)
        throw new UnprocessableError('manager-not-active', { status: 'missing' });
      throw err;
    });
    if (manager.status !== 'active')
      throw new UnprocessableError('manager-not-active', { status: manager.status });
    const organisationId = p!.organisationId!;
    const [inserted] = await tx
      .insert(b)
      .values({
        id: newId(),
        managerId,
        subjectType,
        subjectId,
        namedByOrganisationId: organisationId,
        namedBy: p!.id,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted) {
      const [existing] = await tx
        .select()
        .from(b)
        .where(and(eq(b.subjectType, subjectType), eq(b.subjectId, subjectId), eq(b.managerId, managerId)));
      return { created: false, row: existing! };
    }
    const data = { managerId, subjectType, subjectId };
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'technology-manager.broker-named',
      objectType: AUDIT_OBJECT[subjectType],
      objectId: subjectId,
      after: data,
      requestId,
    });
    await emitEventInTx(tx, {
      type: 'technology-manager.broker-named',
      subjectId,
      organisationIds: [...new Set([...subject.parties, manager.employerOrganisationId])],
      data,
    });
    return { created: true, row: inserted };
  });
  if (out.created) deps.outbox.kick();
  return { created: out.created, brokerage: brokerView(out.row) };
}

/** The brokers named on one subject (its parties see them through the naming endpoint's answer). */
export async function brokersOf(db: DbOrTx, subjectType: SubjectType, subjectId: string) {
  const rows = await db
    .select()
    .from(b)
    .where(and(eq(b.subjectType, subjectType), eq(b.subjectId, subjectId)))
    .orderBy(asc(b.id))
    .limit(100);
  return rows.map(brokerView);
}
