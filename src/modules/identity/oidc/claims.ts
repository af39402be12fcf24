import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../../../platform/db.js';
import { findOrganisation, findUser } from '../repository.js';
import { clientClaims, userClaims } from '../tokens.js';
import { grantOrganisation } from './adapter.js';
import { ORG_METADATA } from './clients.js';

/**
 * What the provider says about people: ID token and userinfo claims per scope, and the techex
 * claims added to every API access token so it has exactly the shape tokens.ts issues.
 */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'rn_level'],
  email: ['email'],
  /** 一次认证: the organisation acted for and its verification travel with the sign-in. */
  organisation: ['org', 'org_name', 'org_type', 'org_role', 'org_verified', 'org_level'],
};

type Ctx = KoaContextWithOIDC;

/** The grant behind whatever token or code the provider is handling now. */
function grantIdOf(ctx: Ctx | undefined, token?: { grantId?: string }): string | undefined {
  const e = ctx?.oidc?.entities;
  return (
    token?.grantId ??
    e?.Grant?.jti ??
    e?.AuthorizationCode?.grantId ??
    e?.RefreshToken?.grantId ??
    e?.AccessToken?.grantId
  );
}

export function accountFinder(db: Db) {
  return async (ctx: Ctx, sub: string, token?: unknown): Promise<Account | undefined> => {
    const user = await findUser(db, sub).catch(() => undefined);
    if (!user || user.disabled) return undefined;
    return {
      accountId: user.id,
      async claims() {
        const orgId = await grantOrganisation(db, grantIdOf(ctx, token as { grantId?: string }));
        const out: Record<string, unknown> = {
          sub: user.id,
          name: user.displayName,
          rn_level: user.realNameLevel,
          email: user.email ?? undefined,
        };
        if (orgId) {
          const org = await findOrganisation(db, orgId);
          // A membership removed since the grant: no organisation claims rather than stale ones.
          const claims = org ? await userClaims(db, user.id, org.id).catch(() => undefined) : undefined;
          if (org && claims)
            Object.assign(out, {
              org: org.id,
              org_name: org.name,
              org_type: org.type,
              org_role: claims.org_role,
              org_verified: claims.org_verified,
              org_level: claims.org_level,
            });
        }
        return out as { sub: string };
      },
    };
  };
}

/**
 * The techex claims of tokens.ts for an API access token: a machine client's organisation
 * from its metadata, or the organisation the user chose for this grant.
 */
export function tokenClaimsExtender(db: Db) {
  return async (ctx: Ctx, token: unknown): Promise<Record<string, unknown> | undefined> => {
    const t = token as {
      kind: string;
      accountId?: string;
      grantId?: string;
      resourceServer?: unknown;
      client?: Record<string, unknown>;
    };
    if (!t.resourceServer) return undefined;
    if (t.kind === 'ClientCredentials') {
      const client = t.client ?? (ctx.oidc.client as unknown as Record<string, unknown> | undefined);
      const orgId = client?.[ORG_METADATA];
      return { ...(await clientClaims(db, typeof orgId === 'string' ? orgId : undefined)) };
    }
    if (!t.accountId) return undefined;
    const grantId = t.grantId ?? grantIdOf(ctx);
    const orgId = await grantOrganisation(db, grantId);
    // The grant travels with the token: once it is revoked, the API refuses the token.
    return { ...(await userClaims(db, t.accountId, orgId)), ...(grantId ? { grant_id: grantId } : {}) };
  };
}
