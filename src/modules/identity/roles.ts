import { and, asc, eq, gt } from 'drizzle-orm';
import { type Actor, actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import { constraintOf, type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import type { PlatformRole } from '../../platform/principal.js';
import { isValidRegionCode } from './identifiers.js';
import { rolesOf } from './people.js';
import { findSubCentreByCode, findUser } from './repository.js';
import { subCentres, userRoles } from './schema.js';
import { type Caller, fieldError, type IdentityDeps } from './service.js';

/** Platform roles (operator, sub-centre registrar, technology manager) and the sub-centres. */
export interface RoleGrant {
  role: PlatformRole;
  subCentreCode?: string;
  certificateNo?: string;
}

/** Grants a role and audits it, in the caller's transaction (used by the API and the CLI). */
export async function grantPlatformRole(
  tx: DbOrTx,
  actor: Actor,
  userId: string,
  grant: {
    role: PlatformRole;
    subCentreId?: string | null;
    subCentreCode?: string | null;
    certificateNo?: string | null;
  },
  requestId?: string,
) {
  const row = {
    id: newId(),
    userId,
    role: grant.role,
    subCentreId: grant.role === 'registrar' ? (grant.subCentreId ?? null) : null,
    certificateNo: grant.role === 'tech_manager' ? (grant.certificateNo ?? null) : null,
  };
  try {
    await tx.insert(userRoles).values(row);
  } catch (err) {
    if (isUniqueViolation(err) && constraintOf(err) === 'user_roles_unique_key')
      throw new ConflictError('role-already-granted');
    throw err;
  }
  await recordAudit(tx, {
    actor,
    action: 'user.role.grant',
    objectType: 'user',
    objectId: userId,
    before: null,
    after: {
      roleId: row.id,
      role: row.role,
      subCentreCode: grant.subCentreCode ?? null,
      certificateNo: row.certificateNo,
    },
    requestId,
  });
  return row.id;
}

async function existingUser(deps: IdentityDeps, userId: string) {
  const user = await findUser(deps.db, userId);
  if (!user) throw new NotFoundError();
  return user;
}

export async function listUserRoles(deps: IdentityDeps, caller: Caller, userId: string) {
  authorize(caller.principal, 'user.roles.read', { id: userId });
  await existingUser(deps, userId);
  return { items: await rolesOf(deps.db, userId) };
}

export async function grantUserRole(deps: IdentityDeps, caller: Caller, userId: string, input: RoleGrant) {
  authorize(caller.principal, 'user.roles.grant', input);
  await existingUser(deps, userId);
  let subCentreId: string | undefined;
  if (input.role === 'registrar') {
    const sc = input.subCentreCode ? await findSubCentreByCode(deps.db, input.subCentreCode) : undefined;
    if (!sc)
      throw fieldError(
        'body/subCentreCode',
        'unknown-sub-centre',
        { 'zh-CN': '登记员须指定存在的分中心', en: 'a registrar needs an existing sub-centre' },
        caller.lang,
      );
    subCentreId = sc.id;
  }
  if (input.role === 'tech_manager' && !input.certificateNo?.trim())
    throw fieldError(
      'body/certificateNo',
      'required',
      { 'zh-CN': '技术经理人须填写证书编号', en: 'a technology manager needs a certificate number' },
      caller.lang,
    );
  const id = await deps.db.transaction((tx) =>
    grantPlatformRole(
      tx,
      actorOf(caller.principal),
      userId,
      { ...input, subCentreId, certificateNo: input.certificateNo?.trim() },
      caller.requestId,
    ),
  );
  const role = (await rolesOf(deps.db, userId)).find((r) => r.id === id);
  return role!;
}

export async function revokeUserRole(deps: IdentityDeps, caller: Caller, userId: string, roleId: string) {
  await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ role: userRoles, code: subCentres.code })
      .from(userRoles)
      .leftJoin(subCentres, eq(subCentres.id, userRoles.subCentreId))
      .where(and(eq(userRoles.id, roleId), eq(userRoles.userId, userId)))
      .for('update', { of: userRoles });
    if (!row) {
      authorize(caller.principal, 'user.roles.read', { id: userId });
      throw new NotFoundError();
    }
    authorize(caller.principal, 'user.roles.grant', { role: row.role.role });
    await tx.delete(userRoles).where(eq(userRoles.id, roleId));
    await recordAudit(tx, {
      actor: actorOf(caller.principal),
      action: 'user.role.revoke',
      objectType: 'user',
      objectId: userId,
      before: { roleId, role: row.role.role, subCentreCode: row.code, certificateNo: row.role.certificateNo },
      after: null,
      requestId: caller.requestId,
    });
  });
}

export async function listSubCentres(deps: IdentityDeps, f: { cursor?: string; limit?: number }) {
  const after = deps.cursors.decode('sub-centres', f.cursor);
  return paginate(
    deps.cursors,
    'sub-centres',
    clampLimit(f.limit),
    (n) =>
      deps.db
        .select({
          id: subCentres.id,
          code: subCentres.code,
          name: subCentres.name,
          regionCodes: subCentres.regionCodes,
        })
        .from(subCentres)
        .where(after ? gt(subCentres.code, String(after[0])) : undefined)
        .orderBy(asc(subCentres.code))
        .limit(n),
    (s) => [s.code],
  );
}

export async function createSubCentre(
  deps: IdentityDeps,
  caller: Caller,
  input: { code: string; name: string; regionCodes?: string[] },
) {
  authorize(caller.principal, 'subcentre.create', null);
  if (!isValidRegionCode(input.code))
    throw fieldError(
      'body/code',
      'region-code',
      { 'zh-CN': '行政区划代码不正确', en: 'not a GB/T 2260 region code' },
      caller.lang,
    );
  return deps.db.transaction(async (tx) => {
    const values = {
      id: newId(),
      code: input.code,
      name: input.name.trim(),
      regionCodes: input.regionCodes ?? [input.code],
    };
    try {
      await tx.insert(subCentres).values(values);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('sub-centre-exists');
      throw err;
    }
    await recordAudit(tx, {
      actor: actorOf(caller.principal),
      action: 'sub_centre.create',
      objectType: 'sub_centre',
      objectId: values.id,
      after: values,
      requestId: caller.requestId,
    });
    return values;
  });
}
