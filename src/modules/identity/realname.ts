import { and, asc, eq, gt, ne } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize, requirePrincipal } from '../../platform/authz.js';
import type { Tx } from '../../platform/db.js';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import { validateResidentId } from './identifiers.js';
import { translatePeopleConflict } from './people.js';
import { aad, decrypt, encrypt, lookupHash, maskedResidentId } from './personal-data.js';
import type { VerificationApplicationStatus } from './schema.js';
import { realNameApplications, users } from './schema.js';
import { type Caller, type IdentityDeps, identifierError } from './service.js';

/**
 * Real-name verification (实名认证) of people: a resident ID checked by its check digit, kept
 * as a keyed hash and ciphertext, decided by a registrar; the level then travels in tokens.
 */
type Application = typeof realNameApplications.$inferSelect;

function view(deps: IdentityDeps, a: Application) {
  return {
    id: a.id,
    userId: a.userId,
    status: a.status,
    legalName: decrypt(deps.personalKey, a.legalNameEnc, aad.applicationLegalName(a.id)),
    residentId: maskedResidentId(deps.personalKey, a.residentIdEnc, aad.applicationResidentId(a.id))!,
    appliedAt: a.appliedAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
    level: a.level,
    reason: a.reason,
  };
}

export async function applyForRealName(
  deps: IdentityDeps,
  caller: Caller,
  input: { legalName: string; residentId: string },
) {
  const p = requirePrincipal(caller.principal);
  if (p.kind !== 'user') throw new NotFoundError();
  const r = validateResidentId(input.residentId);
  if (!r.ok) throw identifierError('body/residentId', 'resident-id', r, caller.lang);
  const hash = lookupHash(deps.personalKey, 'resident_id', r.value);
  return deps.db.transaction(async (tx) => {
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.residentIdHash, hash), ne(users.id, p.id)));
    if (taken) throw new ConflictError('resident-id-taken');
    const [pending] = await tx
      .select({ id: realNameApplications.id })
      .from(realNameApplications)
      .where(and(eq(realNameApplications.userId, p.id), eq(realNameApplications.status, 'pending')));
    if (pending) throw new ConflictError('application-pending');
    const id = newId();
    const [app] = await tx
      .insert(realNameApplications)
      .values({
        id,
        userId: p.id,
        legalNameEnc: encrypt(deps.personalKey, input.legalName.trim(), aad.applicationLegalName(id)),
        residentIdHash: hash,
        residentIdEnc: encrypt(deps.personalKey, r.value, aad.applicationResidentId(id)),
      })
      .returning();
    return view(deps, app!);
  });
}

async function lockPending(tx: Tx, caller: Caller, id: string, action: string) {
  const [app] = await tx
    .select()
    .from(realNameApplications)
    .where(eq(realNameApplications.id, id))
    .for('update');
  if (!app) throw new NotFoundError();
  authorize(caller.principal, 'realname.decide', app);
  if (app.status !== 'pending') throw new InvalidTransitionError(app.status, action);
  return app;
}

export async function approveRealName(
  deps: IdentityDeps,
  caller: Caller,
  id: string,
  input: { level: string },
) {
  return deps.db
    .transaction(async (tx) => {
      const app = await lockPending(tx, caller, id, 'approve');
      const [user] = await tx.select().from(users).where(eq(users.id, app.userId)).for('update');
      const residentId = decrypt(deps.personalKey, app.residentIdEnc, aad.applicationResidentId(id));
      const now = new Date();
      await tx
        .update(users)
        .set({
          residentIdHash: app.residentIdHash,
          residentIdEnc: encrypt(deps.personalKey, residentId, aad.userResidentId(app.userId)),
          realNameLevel: input.level,
          updatedAt: now,
        })
        .where(eq(users.id, app.userId));
      const [decided] = await tx
        .update(realNameApplications)
        .set({ status: 'approved', level: input.level, decidedAt: now, decidedBy: caller.principal!.id })
        .where(eq(realNameApplications.id, id))
        .returning();
      await recordAudit(tx, {
        actor: actorOf(caller.principal),
        action: 'user.real_name.approve',
        objectType: 'user',
        objectId: app.userId,
        before: { realNameLevel: user?.realNameLevel },
        after: { realNameLevel: input.level, applicationId: id },
        requestId: caller.requestId,
      });
      return view(deps, decided!);
    })
    .catch(translatePeopleConflict);
}

export async function rejectRealName(
  deps: IdentityDeps,
  caller: Caller,
  id: string,
  input: { reason: string },
) {
  return deps.db.transaction(async (tx) => {
    await lockPending(tx, caller, id, 'reject');
    const [decided] = await tx
      .update(realNameApplications)
      .set({
        status: 'rejected',
        reason: input.reason.trim(),
        decidedAt: new Date(),
        decidedBy: caller.principal!.id,
      })
      .where(eq(realNameApplications.id, id))
      .returning();
    await recordAudit(tx, {
      actor: actorOf(caller.principal),
      action: 'user.real_name.reject',
      objectType: 'user',
      objectId: decided!.userId,
      after: { reason: input.reason, applicationId: id },
      requestId: caller.requestId,
    });
    return view(deps, decided!);
  });
}

export async function listRealNameApplications(
  deps: IdentityDeps,
  caller: Caller,
  f: { cursor?: string; limit?: number; status?: VerificationApplicationStatus },
) {
  authorize(caller.principal, 'realname.list', null);
  const after = deps.cursors.decode('real-name-applications', f.cursor);
  const page = await paginate(
    deps.cursors,
    'real-name-applications',
    clampLimit(f.limit),
    (n) =>
      deps.db
        .select()
        .from(realNameApplications)
        .where(
          and(
            eq(realNameApplications.status, f.status ?? 'pending'),
            after ? gt(realNameApplications.id, String(after[0])) : undefined,
          ),
        )
        .orderBy(asc(realNameApplications.id))
        .limit(n),
    (a) => [a.id],
  );
  return { items: page.items.map((a) => view(deps, a)), nextCursor: page.nextCursor };
}
