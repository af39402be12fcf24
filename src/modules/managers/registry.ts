/** The technology manager registry (技术经理人名录): register, maintain, review, read. */
import { and, arrayOverlaps, desc, eq, lt, or, type SQL, sql } from 'drizzle-orm';
import { type Actor, actorOf, recordAudit } from '../../platform/audit.js';
import { authorize, check } from '../../platform/authz.js';
import { type Db, type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../platform/errors.js';
import type { Schema } from '../../platform/http/operations.js';
import { newId } from '../../platform/ids.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import { type CursorCodec, pageByIdDesc } from '../../platform/pagination.js';
import { actsFor, isOperator, type Principal } from '../../platform/principal.js';
import { stateTable } from '../../platform/state-table.js';
import { findOrganisation, maskContact } from '../identity/index.js';
import { emitEventInTx } from '../integration/index.js';
import { type ManagerKey, maskCertificateNo, openField, sealField } from './contacts.js';
import { maintains } from './policies.js';
import { certificateErrors, type Level, normalizeCertificateNo } from './rules.js';
import { technologyManagers as m } from './schema.js';

export interface ManagerDeps {
  db: Db;
  cursors: CursorCodec;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  key: ManagerKey;
}

export type ManagerRow = typeof m.$inferSelect;

export interface ManagerInput {
  employerOrganisationId?: string;
  name: string;
  level: Level;
  certificateNo: string;
  fields: string[];
  bio?: string;
  phone?: string;
  email?: string;
}
export type ManagerPatch = Partial<Omit<ManagerInput, 'employerOrganisationId'>>;

/** Review (审核): an operator approves or rejects a registration, and may revoke an active one. */
export const REVIEW = {
  approve: { from: ['pending'], to: 'active', by: ['operator'] },
  reject: { from: ['pending'], to: 'rejected', by: ['operator'] },
  revoke: { from: ['active'], to: 'revoked', by: ['operator'] },
} as const;
export type ReviewDecision = keyof typeof REVIEW;
const review = stateTable(REVIEW);

export async function findManager(db: DbOrTx, id: string, opts: { lock?: boolean } = {}) {
  const q = db.select().from(m).where(eq(m.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

/** Registry change: audit trail and a webhook event to the employer, in the caller's transaction. */
async function recordChange(
  tx: DbOrTx,
  action: 'registered' | 'updated' | 'reviewed',
  row: ManagerRow,
  actor: Actor,
  before: unknown,
  requestId?: string,
) {
  await recordAudit(tx, {
    actor,
    action: `technology-manager.${action}`,
    objectType: 'technology_manager',
    objectId: row.id,
    before,
    after: { status: row.status, level: row.level, employerOrganisationId: row.employerOrganisationId },
    requestId,
  });
  await emitEventInTx(tx, {
    type: `technology-manager.${action}`,
    subjectId: row.id,
    organisationIds: [row.employerOrganisationId],
    data: { managerId: row.id, status: row.status, level: row.level },
  });
}

function validate(input: { level?: Level; certificateNo?: string }, level: Level) {
  if (input.certificateNo === undefined) return;
  const errors = certificateErrors(input.certificateNo, level);
  if (errors.length) throw new ValidationError(errors, 'manager-certificate-invalid');
}

const taken = (certificateNo: string) => new ConflictError('manager-certificate-taken', { certificateNo });

/** An employer's administrator registers a manager (pending review); an operator's registration is active at once. */
export async function registerManager(
  deps: ManagerDeps,
  p: Principal | undefined,
  input: ManagerInput,
  requestId?: string,
): Promise<ManagerRow> {
  if (!p) throw new UnauthorizedError();
  const employerId = input.employerOrganisationId ?? p.organisationId;
  if (!employerId) throw new UnprocessableError('manager-employer-not-found');
  const employer = await findOrganisation(deps.db, employerId);
  if (!employer) throw new UnprocessableError('manager-employer-not-found');
  const verified = employer.verificationStatus === 'verified';
  if (check(p, 'manager.register', { id: employer.id, verified }) !== 'allow')
    throw actsFor(p, employer.id) && !verified
      ? new ForbiddenError('manager-employer-unverified')
      : new ForbiddenError('forbidden', { action: 'manager.register' });
  validate(input, input.level);
  const id = newId();
  const certificateNo = normalizeCertificateNo(input.certificateNo);
  try {
    const row = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(m)
        .values({
          id,
          employerOrganisationId: employer.id,
          name: input.name,
          level: input.level,
          certificateNo,
          fields: [...new Set(input.fields)],
          bio: input.bio ?? null,
          phoneEnc: sealField(deps.key, id, 'phone', input.phone),
          emailEnc: sealField(deps.key, id, 'email', input.email),
          status: isOperator(p) ? 'active' : 'pending',
          createdBy: p.id,
        })
        .returning();
      await recordChange(tx, 'registered', row!, actorOf(p), undefined, requestId);
      return row!;
    });
    deps.outbox.kick();
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(certificateNo);
    throw err;
  }
}

/**
 * Maintain a manager. When the employer changes what was reviewed (name, level, certificate) the
 * registration goes back to review; an operator's change keeps it as it is.
 */
export async function updateManager(
  deps: ManagerDeps,
  p: Principal | undefined,
  id: string,
  patch: ManagerPatch,
  requestId?: string,
): Promise<ManagerRow> {
  try {
    const row = await deps.db.transaction(async (tx) => {
      const current = await findManager(tx, id, { lock: true });
      authorize(p, 'manager.edit', current);
      const level = patch.level ?? (current.level as Level);
      if (patch.level !== undefined && patch.certificateNo === undefined)
        validate({ certificateNo: current.certificateNo }, level);
      validate(patch, level);
      const reviewed = ['name', 'level', 'certificateNo'] as const;
      const changesReviewed = reviewed.some((k) => patch[k] !== undefined && patch[k] !== current[k]);
      const set: Partial<typeof m.$inferInsert> = {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.level !== undefined ? { level: patch.level } : {}),
        ...(patch.certificateNo !== undefined
          ? { certificateNo: normalizeCertificateNo(patch.certificateNo) }
          : {}),
        ...(patch.fields !== undefined ? { fields: [...new Set(patch.fields)] } : {}),
        ...(patch.bio !== undefined ? { bio: patch.bio } : {}),
        ...(patch.phone !== undefined ? { phoneEnc: sealField(deps.key, id, 'phone', patch.phone) } : {}),
        ...(patch.email !== undefined ? { emailEnc: sealField(deps.key, id, 'email', patch.email) } : {}),
      };
      if (changesReviewed && !isOperator(p) && current.status !== 'revoked') set.status = 'pending';
      const [row] = await tx
        .update(m)
        .set({ ...set, updatedAt: sql`now()` })
        .where(eq(m.id, id))
        .returning();
      await recordChange(tx, 'updated', row!, actorOf(p), { status: current.status }, requestId);
      return row!;
    });
    deps.outbox.kick();
    return row;
  } catch (err) {
    if (isUniqueViolation(err) && patch.certificateNo)
      throw taken(normalizeCertificateNo(patch.certificateNo));
    throw err;
  }
}

export async function reviewManager(
  deps: ManagerDeps,
  p: Principal | undefined,
  id: string,
  body: { decision: ReviewDecision; reason?: string },
  requestId?: string,
): Promise<ManagerRow> {
  const row = await deps.db.transaction(async (tx) => {
    const current = await findManager(tx, id, { lock: true });
    authorize(p, 'manager.review', current);
    const to = review.nextStatus(current.status, body.decision);
    if (body.decision !== 'approve' && !body.reason?.trim())
      throw new ValidationError(
        [{ field: 'body/reason', code: 'required', message: 'a reason is required' }],
        'manager-review-reason-required',
      );
    const [row] = await tx
      .update(m)
      .set({ status: to, reviewReason: body.reason ?? null, updatedAt: sql`now()` })
      .where(eq(m.id, id))
      .returning();
    await recordChange(tx, 'reviewed', row!, actorOf(p), { status: current.status }, requestId);
    return row!;
  });
  deps.outbox.kick();
  return row;
}

/**
 * A manager as the caller sees it. Phone, e-mail and the full certificate number are personal
 * data: the employer's people and operators see them, everyone else sees them masked.
 */
export async function managerView(
  deps: ManagerDeps,
  p: Principal | undefined,
  r: ManagerRow,
): Promise<Schema<'TechnologyManager'>> {
  const full = isOperator(p) || actsFor(p, r.employerOrganisationId);
  const phone = openField(deps.key, r.id, 'phone', r.phoneEnc);
  const email = openField(deps.key, r.id, 'email', r.emailEnc);
  const masked = maskContact({ name: r.name, phone, email });
  const employer = await findOrganisation(deps.db, r.employerOrganisationId);
  return {
    id: r.id,
    name: r.name,
    level: r.level,
    certificateNo: full ? r.certificateNo : maskCertificateNo(r.certificateNo),
    employerOrganisationId: r.employerOrganisationId,
    employerName: employer?.name ?? null,
    fields: r.fields,
    bio: r.bio,
    contact: full ? { phone, email } : { phone: masked.phone, email: masked.email },
    status: r.status,
    reviewReason: full ? r.reviewReason : null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    // Maintainers learn what they may do next.
    ...(maintains(p, r.employerOrganisationId) ? { reviewActions: review.actionsFrom(r.status) } : {}),
  };
}

export async function getManager(deps: ManagerDeps, p: Principal | undefined, id: string) {
  const row = await findManager(deps.db, id);
  // A public read: a manager the caller may not see does not exist for it, signed in or not.
  if (check(p, 'manager.read', row) !== 'allow') throw new NotFoundError();
  return managerView(deps, p, row);
}

export interface ManagerListQuery {
  level?: Level;
  field?: string;
  employerOrganisationId?: string;
  status?: ManagerRow['status'];
  cursor?: string;
  limit?: number;
}

/** Active managers for everyone; the caller's own organisation's (any status) and, for operators, all. */
export async function listManagers(deps: ManagerDeps, p: Principal | undefined, q: ManagerListQuery) {
  let visible: SQL | undefined = eq(m.status, 'active');
  if (isOperator(p)) visible = undefined;
  else if (p?.organisationId) visible = or(visible, eq(m.employerOrganisationId, p.organisationId));
  const where = and(
    visible,
    q.level ? eq(m.level, q.level) : undefined,
    q.field ? arrayOverlaps(m.fields, [q.field]) : undefined,
    q.employerOrganisationId ? eq(m.employerOrganisationId, q.employerOrganisationId) : undefined,
    q.status ? eq(m.status, q.status) : undefined,
  );
  const list = `managers:${p?.kind}:${p?.id}:${q.level ?? ''}:${q.field ?? ''}:${q.employerOrganisationId ?? ''}:${q.status ?? ''}`;
  const page = await pageByIdDesc(
    deps.cursors,
    list,
    q,
    (before, limit) =>
      deps.db
        .select()
        .from(m)
        .where(before ? and(where, lt(m.id, before)) : where)
        .orderBy(desc(m.id))
        .limit(limit),
    (r) => r.id,
  );
  const items = [];
  for (const r of page.items) items.push(await managerView(deps, p, r));
  return { items, nextCursor: page.nextCursor };
}
