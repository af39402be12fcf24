import { and, eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import type { Db, DbOrTx } from '../../platform/db.js';
import { UnauthorizedError } from '../../platform/errors.js';
import type { Authenticator } from '../../platform/http/auth.js';
import { newId } from '../../platform/ids.js';
import type { MembershipRole, PlatformRole, Principal } from '../../platform/principal.js';
import type { KeyStore } from './keys.js';
import { activityCheck } from './oidc/access-tokens.js';
import { memberships, organisations, userRoles, users } from './schema.js';

/**
 * Access tokens are JWTs (RFC 9068 profile) signed with the identity key store. The claims carry
 * who the caller is and what was verified once (一次认证), so every module and partner can rely
 * on them without calling back: the organisation acted for, its verification status and level,
 * the caller's roles and the scopes granted. Tokens live 10 minutes; roles and verification
 * changes show in the next token.
 */
export const ACCESS_TOKEN_TTL_SECONDS = 600;

export interface TechexClaims {
  kind: 'user' | 'client';
  org?: string;
  org_role?: MembershipRole;
  org_verified: boolean;
  org_level?: string;
  roles: PlatformRole[];
  sub_centres: string[];
  rn_level?: string;
}

export interface TokenIssuerOptions {
  issuer: string;
  audience: string;
}

/** The techex claims for a user acting for one of their organisations (or none). */
export async function userClaims(db: DbOrTx, userId: string, organisationId?: string): Promise<TechexClaims> {
  const [user] = await db
    .select({ rn: users.realNameLevel, disabled: users.disabled })
    .from(users)
    .where(eq(users.id, userId));
  if (!user || user.disabled) throw new UnauthorizedError();
  const roleRows = await db
    .select({ role: userRoles.role, subCentreId: userRoles.subCentreId })
    .from(userRoles)
    .where(eq(userRoles.userId, userId));
  const claims: TechexClaims = {
    kind: 'user',
    org_verified: false,
    roles: [...new Set(roleRows.map((r) => r.role))],
    sub_centres: roleRows.filter((r) => r.role === 'registrar' && r.subCentreId).map((r) => r.subCentreId!),
    rn_level: user.rn,
  };
  const memberRows = await db
    .select({
      organisationId: memberships.organisationId,
      role: memberships.role,
      status: organisations.verificationStatus,
      level: organisations.verificationLevel,
    })
    .from(memberships)
    .innerJoin(organisations, eq(organisations.id, memberships.organisationId))
    .where(
      organisationId
        ? and(eq(memberships.userId, userId), eq(memberships.organisationId, organisationId))
        : eq(memberships.userId, userId),
    )
    .limit(1);
  const m = memberRows[0];
  if (organisationId && !m) throw new UnauthorizedError();
  if (m) {
    claims.org = m.organisationId;
    claims.org_role = m.role;
    claims.org_verified = m.status === 'verified';
    if (m.level) claims.org_level = m.level;
  }
  return claims;
}

/** The techex claims for a machine client bound to an organisation. */
export async function clientClaims(db: DbOrTx, organisationId: string | undefined): Promise<TechexClaims> {
  const claims: TechexClaims = { kind: 'client', org_verified: false, roles: [], sub_centres: [] };
  if (!organisationId) return claims;
  const [org] = await db
    .select({ status: organisations.verificationStatus, level: organisations.verificationLevel })
    .from(organisations)
    .where(eq(organisations.id, organisationId));
  if (!org) throw new UnauthorizedError();
  claims.org = organisationId;
  claims.org_verified = org.status === 'verified';
  if (org.level) claims.org_level = org.level;
  return claims;
}

export interface TokenService {
  readonly authenticator: Authenticator;
  /** Sign an access token for a subject (used by the OpenID provider and by first-party tools). */
  sign(
    subject: string,
    clientId: string,
    claims: TechexClaims,
    scopes: string[],
    ttlSeconds?: number,
  ): Promise<string>;
  /** A token for a user acting for an organisation, with the given scopes. */
  issueForUser(
    userId: string,
    opts: { clientId: string; organisationId?: string; scopes: string[] },
  ): Promise<string>;
  /** A token for a machine client bound to an organisation. */
  issueForClient(clientId: string, opts: { organisationId?: string; scopes: string[] }): Promise<string>;
}

export function createTokenService(db: DbOrTx, keys: KeyStore, opts: TokenIssuerOptions): TokenService {
  const sign: TokenService['sign'] = async (
    subject,
    clientId,
    claims,
    scopes,
    ttl = ACCESS_TOKEN_TTL_SECONDS,
  ) => {
    const key = await keys.active();
    return new SignJWT({ ...claims, client_id: clientId, scope: scopes.join(' ') })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .setJti(newId())
      .sign(key.privateKey);
  };
  const authenticator: Authenticator = {
    issuer: opts.issuer,
    audience: opts.audience,
    keyFor: (kid) => keys.publicPem(kid),
    principalFromClaims: (c) => principalFromClaims(c),
    // A revoked grant or token stops working within seconds on every replica.
    isActive: activityCheck(db as Db),
  };
  return {
    authenticator,
    sign,
    async issueForUser(userId, o) {
      return sign(userId, o.clientId, await userClaims(db, userId, o.organisationId), o.scopes);
    },
    async issueForClient(clientId, o) {
      return sign(clientId, clientId, await clientClaims(db, o.organisationId), o.scopes);
    },
  };
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function principalFromClaims(c: Record<string, unknown>): Principal {
  const sub = str(c.sub);
  if (!sub) throw new UnauthorizedError('invalid-token');
  const kind = c.kind === 'client' ? 'client' : 'user';
  return {
    kind,
    id: sub,
    clientId: str(c.client_id),
    organisationId: str(c.org),
    orgRole: c.org_role === 'org_admin' || c.org_role === 'org_member' ? c.org_role : undefined,
    orgVerified: c.org_verified === true,
    orgVerificationLevel: str(c.org_level),
    roles: strs(c.roles).filter(
      (r): r is PlatformRole => r === 'operator' || r === 'registrar' || r === 'tech_manager',
    ),
    registrarSubCentres: strs(c.sub_centres),
    scopes: new Set((str(c.scope) ?? '').split(' ').filter(Boolean)),
    realNameLevel: str(c.rn_level),
  };
}
