import { eq } from 'drizzle-orm';
import { requirePrincipal } from '../../platform/authz.js';
import { constraintOf, type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { hashPassword } from './passwords.js';
import { aad, maskedMobile, maskedResidentId, normaliseMobile, protect } from './personal-data.js';
import { memberships, organisations, subCentres, userRoles, users } from './schema.js';
import { type Caller, fieldError, type IdentityDeps } from './service.js';

/**
 * People: accounts, their own profile and roles. Mobile numbers and resident IDs are stored as
 * a keyed hash plus ciphertext and only ever leave the service masked.
 */
export function translatePeopleConflict(err: unknown): never {
  if (isUniqueViolation(err)) {
    const c = constraintOf(err);
    if (c === 'users_email_key') throw new ConflictError('email-taken');
    if (c === 'users_mobile_hash_key') throw new ConflictError('mobile-taken');
    if (c === 'users_resident_id_hash_key') throw new ConflictError('resident-id-taken');
  }
  throw err;
}

function checkedMobile(input: string, caller: Caller): string {
  const m = normaliseMobile(input);
  if (!m)
    throw fieldError(
      'body/mobile',
      'mobile',
      { 'zh-CN': '手机号码格式不正确', en: 'not a mainland mobile number' },
      caller.lang,
    );
  return m;
}

export async function signUp(
  deps: IdentityDeps,
  caller: Caller,
  input: { email: string; password: string; displayName: string; mobile?: string },
) {
  const id = newId();
  const mobile =
    input.mobile === undefined
      ? undefined
      : protect(deps.personalKey, 'mobile', checkedMobile(input.mobile, caller), aad.userMobile(id));
  const passwordHash = await hashPassword(input.password);
  await deps.db
    .insert(users)
    .values({
      id,
      email: input.email.trim(),
      passwordHash,
      displayName: input.displayName.trim(),
      mobileHash: mobile?.hash ?? null,
      mobileEnc: mobile?.enc ?? null,
    })
    .catch(translatePeopleConflict);
  return profile(deps, deps.db, id);
}

export async function profile(deps: IdentityDeps, db: DbOrTx, userId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user || user.disabled) throw new NotFoundError();
  const orgs = await db
    .select({
      organisationId: memberships.organisationId,
      name: organisations.name,
      role: memberships.role,
      verificationStatus: organisations.verificationStatus,
    })
    .from(memberships)
    .innerJoin(organisations, eq(organisations.id, memberships.organisationId))
    .where(eq(memberships.userId, userId))
    .limit(100);
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    mobile: maskedMobile(deps.personalKey, user.mobileEnc, user.id),
    residentId: maskedResidentId(deps.personalKey, user.residentIdEnc, aad.userResidentId(user.id)),
    realNameLevel: user.realNameLevel,
    memberships: orgs,
    roles: await rolesOf(db, userId),
  };
}

export async function rolesOf(db: DbOrTx, userId: string) {
  const rows = await db
    .select({
      id: userRoles.id,
      role: userRoles.role,
      subCentreCode: subCentres.code,
      certificateNo: userRoles.certificateNo,
      createdAt: userRoles.createdAt,
    })
    .from(userRoles)
    .leftJoin(subCentres, eq(subCentres.id, userRoles.subCentreId))
    .where(eq(userRoles.userId, userId))
    .orderBy(userRoles.id)
    .limit(100);
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

function self(caller: Caller): string {
  const p = requirePrincipal(caller.principal);
  if (p.kind !== 'user') throw new NotFoundError();
  return p.id;
}

export async function getMe(deps: IdentityDeps, caller: Caller) {
  return profile(deps, deps.db, self(caller));
}

export async function updateMe(
  deps: IdentityDeps,
  caller: Caller,
  input: { displayName?: string; mobile?: string | null },
) {
  const id = self(caller);
  const mobile =
    input.mobile === undefined || input.mobile === null
      ? input.mobile
      : protect(deps.personalKey, 'mobile', checkedMobile(input.mobile, caller), aad.userMobile(id));
  await deps.db
    .update(users)
    .set({
      ...(input.displayName !== undefined ? { displayName: input.displayName.trim() } : {}),
      ...(mobile !== undefined ? { mobileHash: mobile?.hash ?? null, mobileEnc: mobile?.enc ?? null } : {}),
      updatedAt: new Date(),
    })
    .where(eq(users.id, id))
    .catch(translatePeopleConflict);
  return profile(deps, deps.db, id);
}
