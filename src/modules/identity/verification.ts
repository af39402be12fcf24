import { and, asc, desc, eq, gt, inArray, type SQL } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import { constraintOf, type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import {
  ConflictError,
  InvalidTransitionError,
  NotFoundError,
  UnprocessableError,
} from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import { isOperator } from '../../platform/principal.js';
import { validateCreditCode } from './identifiers.js';
import { authorizedOrg } from './organisations.js';
import { organisations, organisationVerifications, type VerificationApplicationStatus } from './schema.js';
import { type Caller, type IdentityDeps, identifierError } from './service.js';

/**
 * One-time verification (一次认证): an organisation applies once; a registrar of its sub-centre
 * approves (with a level) or rejects (with a reason). The result is copied onto the organisation
 * and travels in every token issued afterwards (tokens.ts reads it).
 */
type Application = typeof organisationVerifications.$inferSelect;

export function applicationView(a: Application, organisationName?: string) {
  return {
    id: a.id,
    organisationId: a.organisationId,
    ...(organisationName !== undefined ? { organisationName } : {}),
    subCentreId: a.subCentreId,
    status: a.status,
    creditCode: a.creditCode,
    creditCodeCheckFailed: a.creditCodeCheckFailed,
    legalRepresentative: a.legalRepresentative,
    licenceSha256: a.licenceSha256,
    appliedAt: a.appliedAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
    level: a.level,
    reason: a.reason,
  };
}

export interface VerificationInput {
  creditCode: string;
  legalRepresentative: string;
  licenceSha256: string;
}

export async function applyForVerification(
  deps: IdentityDeps,
  caller: Caller,
  organisationId: string,
  input: VerificationInput,
) {
  // Structure errors refuse the application; a wrong check character only flags it, because
  // some issued codes fail their own check and a registrar may accept one with a reason.
  const r = validateCreditCode(input.creditCode);
  if (!r.ok && r.reason !== 'check') throw identifierError('body/creditCode', 'credit-code', r, caller.lang);
  const creditCode = r.ok ? r.value : input.creditCode.trim().toUpperCase();
  return deps.db.transaction(async (tx) => {
    const org = await authorizedOrg(tx, caller, organisationId, 'organisation.verification.apply', true);
    if (org.verificationStatus === 'verified') throw new ConflictError('already-verified');
    if (org.verificationStatus === 'pending') throw new ConflictError('application-pending');
    if (!org.subCentreId) throw new UnprocessableError('no-sub-centre');
    const [app] = await tx
      .insert(organisationVerifications)
      .values({
        id: newId(),
        organisationId,
        subCentreId: org.subCentreId,
        creditCode,
        creditCodeCheckFailed: !r.ok,
        legalRepresentative: input.legalRepresentative.trim(),
        licenceSha256: input.licenceSha256.toLowerCase(),
        appliedBy: caller.principal?.kind === 'user' ? caller.principal.id : null,
      })
      .returning();
    await tx
      .update(organisations)
      .set({ verificationStatus: 'pending', updatedAt: new Date() })
      .where(eq(organisations.id, organisationId));
    await recordAudit(tx, {
      actor: actorOf(caller.principal),
      action: 'organisation.verification.apply',
      objectType: 'organisation',
      objectId: organisationId,
      before: { verificationStatus: org.verificationStatus },
      after: { verificationStatus: 'pending', applicationId: app!.id },
      requestId: caller.requestId,
    });
    return applicationView(app!, org.name);
  });
}

export async function getOrganisationVerification(
  deps: IdentityDeps,
  caller: Caller,
  organisationId: string,
) {
  const org = await authorizedOrg(deps.db, caller, organisationId, 'organisation.verification.read');
  const [app] = await deps.db
    .select()
    .from(organisationVerifications)
    .where(eq(organisationVerifications.organisationId, organisationId))
    .orderBy(desc(organisationVerifications.id))
    .limit(1);
  if (!app) throw new NotFoundError();
  return applicationView(app, org.name);
}

async function lockPending(tx: DbOrTx, caller: Caller, id: string, action: string) {
  const [app] = await tx
    .select()
    .from(organisationVerifications)
    .where(eq(organisationVerifications.id, id))
    .for('update');
  if (!app) throw new NotFoundError();
  authorize(caller.principal, 'verification.decide', app);
  if (app.status !== 'pending') throw new InvalidTransitionError(app.status, action);
  const [org] = await tx
    .select()
    .from(organisations)
    .where(eq(organisations.id, app.organisationId))
    .for('update');
  return { app, org: org! };
}

export async function approveVerification(
  deps: IdentityDeps,
  caller: Caller,
  id: string,
  input: { level: string; creditCodeOverrideReason?: string },
) {
  return deps.db
    .transaction(async (tx) => {
      const { app, org } = await lockPending(tx, caller, id, 'approve');
      const reason = input.creditCodeOverrideReason?.trim();
      if (app.creditCodeCheckFailed && !reason) {
        throw new UnprocessableError('credit-code-override-reason-required', {}, [
          { field: 'body/creditCodeOverrideReason', message: 'required', code: 'required' },
        ]);
      }
      const now = new Date();
      const override = app.creditCodeCheckFailed
        ? { code: app.creditCode, reason: reason!, registrarId: caller.principal!.id, at: now.toISOString() }
        : null;
      await tx
        .update(organisations)
        .set({
          creditCode: app.creditCode,
          creditCodeOverride: override,
          verificationStatus: 'verified',
          verificationLevel: input.level,
          verifiedAt: now,
          updatedAt: now,
        })
        .where(eq(organisations.id, org.id));
      const [decided] = await tx
        .update(organisationVerifications)
        .set({ status: 'approved', level: input.level, decidedAt: now, decidedBy: caller.principal!.id })
        .where(eq(organisationVerifications.id, id))
        .returning();
      const audit = {
        actor: actorOf(caller.principal),
        objectType: 'organisation',
        objectId: org.id,
        requestId: caller.requestId,
      };
      await recordAudit(tx, {
        ...audit,
        action: 'organisation.verification.approve',
        before: {
          verificationStatus: org.verificationStatus,
          verificationLevel: org.verificationLevel,
          creditCode: org.creditCode,
        },
        after: {
          verificationStatus: 'verified',
          verificationLevel: input.level,
          creditCode: app.creditCode,
          applicationId: id,
        },
      });
      if (override) {
        await recordAudit(tx, {
          ...audit,
          action: 'organisation.credit_code_override',
          before: { creditCodeOverride: org.creditCodeOverride },
          after: { creditCodeOverride: override },
        });
      }
      return applicationView(decided!, org.name);
    })
    .catch((err: unknown) => {
      if (isUniqueViolation(err) && constraintOf(err) === 'organisations_credit_code_key')
        throw new ConflictError('credit-code-taken');
      throw err;
    });
}

export async function rejectVerification(
  deps: IdentityDeps,
  caller: Caller,
  id: string,
  input: { reason: string },
) {
  return deps.db.transaction(async (tx) => {
    const { app, org } = await lockPending(tx, caller, id, 'reject');
    const now = new Date();
    await tx
      .update(organisations)
      .set({ verificationStatus: 'rejected', updatedAt: now })
      .where(eq(organisations.id, org.id));
    const [decided] = await tx
      .update(organisationVerifications)
      .set({
        status: 'rejected',
        reason: input.reason.trim(),
        decidedAt: now,
        decidedBy: caller.principal!.id,
      })
      .where(eq(organisationVerifications.id, app.id))
      .returning();
    await recordAudit(tx, {
      actor: actorOf(caller.principal),
      action: 'organisation.verification.reject',
      objectType: 'organisation',
      objectId: org.id,
      before: { verificationStatus: org.verificationStatus },
      after: { verificationStatus: 'rejected', reason: input.reason, applicationId: id },
      requestId: caller.requestId,
    });
    return applicationView(decided!, org.name);
  });
}

/** A registrar's queue: applications of their sub-centres (operators: all), oldest first. */
export async function listVerificationApplications(
  deps: IdentityDeps,
  caller: Caller,
  f: { cursor?: string; limit?: number; status?: VerificationApplicationStatus },
) {
  authorize(caller.principal, 'verification.list', null);
  const p = caller.principal!;
  const where: (SQL | undefined)[] = [eq(organisationVerifications.status, f.status ?? 'pending')];
  if (!isOperator(p)) {
    if (!p.registrarSubCentres.length) return { items: [], nextCursor: null };
    where.push(inArray(organisationVerifications.subCentreId, [...p.registrarSubCentres]));
  }
  const after = deps.cursors.decode('verification-applications', f.cursor);
  if (after) where.push(gt(organisationVerifications.id, String(after[0])));
  const page = await paginate(
    deps.cursors,
    'verification-applications',
    clampLimit(f.limit),
    (n) =>
      deps.db
        .select({ app: organisationVerifications, name: organisations.name })
        .from(organisationVerifications)
        .innerJoin(organisations, eq(organisations.id, organisationVerifications.organisationId))
        .where(and(...where))
        .orderBy(asc(organisationVerifications.id))
        .limit(n),
    (r) => [r.app.id],
  );
  return { items: page.items.map((r) => applicationView(r.app, r.name)), nextCursor: page.nextCursor };
}
