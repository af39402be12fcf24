import { randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import {
  addMembership,
  findSubCentreByCode,
  grantRole,
  insertOrganisation,
  insertSubCentre,
  insertUser,
  type Organisation,
  type SubCentre,
} from '../modules/identity/repository.js';
import { type OrganisationType, organisations } from '../modules/identity/schema.js';
import { isUniqueViolation } from '../platform/db.js';
import { API_SCOPES, type MembershipRole, type PlatformRole } from '../platform/principal.js';
import type { TestContext } from './context.js';

/**
 * Real organisations, people and tokens for tests, created through the identity module's own
 * repository and token service (no fakes). Each call makes new rows, so test files never share.
 */
export const ALL_USER_SCOPES = Object.keys(API_SCOPES).filter((s) => s !== 'admin');

export async function createSubCentre(ctx: TestContext, name = '测试分中心'): Promise<SubCentre> {
  for (;;) {
    const code = `32${String(randomInt(0, 10_000)).padStart(4, '0')}`;
    if (await findSubCentreByCode(ctx.database.db, code)) continue;
    try {
      return await insertSubCentre(ctx.database.db, { code, name: `${name}${code}` });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
}

export async function createOrganisation(
  ctx: TestContext,
  opts: {
    type?: OrganisationType;
    name?: string;
    subCentre?: SubCentre;
    verified?: boolean;
    creditCode?: string;
  } = {},
): Promise<Organisation> {
  const subCentre = opts.subCentre ?? (await createSubCentre(ctx));
  const org = await insertOrganisation(ctx.database.db, {
    type: opts.type ?? 'enterprise',
    name: opts.name ?? `测试机构-${ctx.tag}-${randomInt(1e9)}`,
    creditCode: opts.creditCode ?? null,
    regionCode: subCentre.code,
    subCentreId: subCentre.id,
    partyNature: opts.type === 'university' ? '022' : '100',
  });
  if (opts.verified) {
    await ctx.database.db
      .update(organisations)
      .set({ verificationStatus: 'verified', verificationLevel: 'L2', verifiedAt: new Date() })
      .where(eq(organisations.id, org.id));
    return { ...org, verificationStatus: 'verified', verificationLevel: 'L2' };
  }
  return org;
}

export interface TestActor {
  userId: string;
  organisationId?: string;
  token: string;
  /** `Authorization` header for app.inject. */
  headers: { authorization: string };
}

export async function createActor(
  ctx: TestContext,
  opts: {
    organisation?: Organisation;
    orgRole?: MembershipRole;
    roles?: { role: PlatformRole; subCentreId?: string }[];
    scopes?: string[];
    name?: string;
  } = {},
): Promise<TestActor> {
  const user = await insertUser(ctx.database.db, { displayName: opts.name ?? '测试用户' });
  if (opts.organisation)
    await addMembership(ctx.database.db, user.id, opts.organisation.id, opts.orgRole ?? 'org_member');
  for (const r of opts.roles ?? [])
    await grantRole(ctx.database.db, user.id, r.role, { subCentreId: r.subCentreId });
  const isOperator = opts.roles?.some((r) => r.role === 'operator');
  const token = await ctx.identity.tokens.issueForUser(user.id, {
    clientId: 'techex-test',
    organisationId: opts.organisation?.id,
    scopes: opts.scopes ?? (isOperator ? [...ALL_USER_SCOPES, 'admin'] : ALL_USER_SCOPES),
  });
  return {
    userId: user.id,
    organisationId: opts.organisation?.id,
    token,
    headers: { authorization: `Bearer ${token}` },
  };
}

/** A machine client (client credentials) bound to an organisation. */
export async function createClientActor(
  ctx: TestContext,
  organisation: Organisation | undefined,
  scopes: string[],
): Promise<TestActor> {
  const clientId = `client-${ctx.tag}-${randomInt(1e9)}`;
  const token = await ctx.identity.tokens.issueForClient(clientId, {
    organisationId: organisation?.id,
    scopes,
  });
  return {
    userId: clientId,
    organisationId: organisation?.id,
    token,
    headers: { authorization: `Bearer ${token}` },
  };
}
