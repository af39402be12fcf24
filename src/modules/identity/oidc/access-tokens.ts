import { AsyncLocalStorage } from 'node:async_hooks';
import { and, eq, sql } from 'drizzle-orm';
import { importSPKI, type JWTPayload, jwtVerify } from 'jose';
import type { AdapterPayload } from 'oidc-provider';
import type { Db } from '../../../platform/db.js';
import type { KeyStore } from '../keys.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../tokens.js';
import { oidcPayloads } from './schema.js';

/**
 * The API's access tokens are JWTs: the provider issues them without storing them. This file
 * lets them be revoked like stored tokens:
 *
 * - each user token names its grant (`grant_id`); a revoked grant (logout, refresh-token reuse,
 *   a reused code, revocation, "sign out" in my sessions) is deleted from `oidc_payloads`, and
 *   `isActive` sees that on every replica within `ACTIVITY_CACHE_MS`;
 * - a token revoked on its own (RFC 7009 on a client-credentials token) leaves a
 *   `RevokedAccessToken` row keyed by its `jti` until it would have expired;
 * - introspection and revocation find a JWT through the adapter (`jwtPayload`), which checks
 *   the signature, issuer, audience and activity, and gives the provider the token's claims in
 *   its own payload shape.
 */
export const ACTIVITY_CACHE_MS = 5_000;
const REVOKED_MODEL = 'RevokedAccessToken';
const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const isJwtShaped = (value: string) => value.length <= 8192 && JWT_RE.test(value);

/**
 * The stand-in for a JWT at introspection and revocation (`AT~header~payload~signature`): the
 * provider refuses values that look like JWTs there, and the adapter turns this one back.
 */
const REFERENCE_PREFIX = 'AT~';
export const jwtReference = (jwt: string) => `${REFERENCE_PREFIX}${jwt.replaceAll('.', '~')}`;
export function jwtFromValue(value: string): string | undefined {
  if (value.startsWith(REFERENCE_PREFIX)) return value.slice(REFERENCE_PREFIX.length).replaceAll('~', '.');
  return isJwtShaped(value) ? value : undefined;
}

/** Which provider endpoint is running (set by the passthrough in routes.ts). */
export const endpointContext = new AsyncLocalStorage<{ path: string }>();

export type AccessTokenVerifier = (token: string) => Promise<JWTPayload | undefined>;

export function accessTokenVerifier(
  keys: Pick<KeyStore, 'publicPem'>,
  issuer: string,
  audience: string,
): AccessTokenVerifier {
  const imported = new Map<string, Awaited<ReturnType<typeof importSPKI>>>();
  return async (token) => {
    if (!isJwtShaped(token)) return undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const pem = await keys.publicPem(header.kid);
          if (!pem || !header.kid) throw new Error('unknown key');
          let key = imported.get(header.kid);
          if (!key) {
            key = await importSPKI(pem, header.alg);
            imported.set(header.kid, key);
          }
          return key;
        },
        { issuer, audience, typ: 'at+jwt', algorithms: ['RS256', 'ES256', 'EdDSA'] },
      );
      return payload;
    } catch {
      return undefined;
    }
  };
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** Whether a verified token's grant still exists and the token itself was not revoked. */
export async function tokenIsActive(db: Db, claims: Record<string, unknown>): Promise<boolean> {
  const jti = str(claims.jti);
  const grantId = str(claims.grant_id);
  const { rows } = await db.execute<{ grant_ok: boolean; revoked: boolean }>(sql`
    SELECT
      ${
        grantId
          ? sql`EXISTS (SELECT 1 FROM ${oidcPayloads} WHERE model = 'Grant' AND id = ${grantId}
                 AND (expires_at IS NULL OR expires_at > now()))`
          : sql`true`
      } AS grant_ok,
      ${
        jti
          ? sql`EXISTS (SELECT 1 FROM ${oidcPayloads} WHERE model = ${REVOKED_MODEL} AND id = ${jti})`
          : sql`false`
      } AS revoked`);
  const row = rows[0];
  return !!row?.grant_ok && !row.revoked;
}

/** `tokenIsActive` behind a short per-token cache (bounded), for every API request. */
export function activityCheck(db: Db, cacheMs = ACTIVITY_CACHE_MS) {
  const cache = new Map<string, { active: boolean; until: number }>();
  const MAX = 10_000;
  return async (claims: Record<string, unknown>): Promise<boolean> => {
    const key = `${str(claims.grant_id) ?? ''}:${str(claims.jti) ?? ''}`;
    if (key === ':') return true;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.active;
    const active = await tokenIsActive(db, claims);
    if (cache.size >= MAX) {
      for (const [k, v] of cache) if (v.until <= now) cache.delete(k);
      if (cache.size >= MAX) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, { active, until: now + cacheMs });
    return active;
  };
}

export async function markAccessTokenRevoked(db: Db, jti: string): Promise<void> {
  await db
    .insert(oidcPayloads)
    .values({
      model: REVOKED_MODEL,
      id: jti,
      payload: {},
      expiresAt: new Date(Date.now() + (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000),
    })
    .onConflictDoNothing();
}

/**
 * A JWT access token as the provider's stored payload, so its introspection, revocation and
 * userinfo endpoints handle it like an opaque token. Undefined when the value is not one of our
 * JWTs, belongs to the other model, or is no longer active.
 */
export async function jwtPayload(
  db: Db,
  verify: AccessTokenVerifier,
  model: string,
  value: string,
): Promise<AdapterPayload | undefined> {
  if (model !== 'AccessToken' && model !== 'ClientCredentials') return undefined;
  const jwt = jwtFromValue(value);
  const claims = jwt ? await verify(jwt) : undefined;
  if (!claims) return undefined;
  const kind = claims.kind === 'client' ? 'ClientCredentials' : 'AccessToken';
  if (kind !== model || !(await tokenIsActive(db, claims))) return undefined;
  const { iss: _iss, aud, sub, jti, iat, exp, scope, client_id, grant_id, ...extra } = claims;
  let scopes = str(scope) ?? '';
  // Userinfo (`/oidc/me`) takes the access token of a combined request (`openid profile
  // catalog:read`): it answers with the claims of the grant's OpenID scopes, as for an opaque one.
  const userinfo = endpointContext.getStore()?.path === '/me';
  if (userinfo) {
    if (kind !== 'AccessToken' || !str(grant_id)) return undefined;
    const [grant] = await db
      .select({ payload: oidcPayloads.payload })
      .from(oidcPayloads)
      .where(and(eq(oidcPayloads.model, 'Grant'), eq(oidcPayloads.id, String(grant_id))));
    const oidcScope = (grant?.payload as { openid?: { scope?: string } } | undefined)?.openid?.scope ?? '';
    if (!oidcScope.split(' ').includes('openid')) return undefined;
    scopes = `${oidcScope} ${scopes}`.trim();
  }
  return {
    kind,
    jti: str(jti),
    iat: iat as number,
    exp: exp as number,
    clientId: str(client_id),
    ...(kind === 'AccessToken' ? { accountId: str(sub), grantId: str(grant_id) } : {}),
    scope: scopes || undefined,
    ...(userinfo ? {} : { aud: aud as string }),
    extra,
  } as AdapterPayload;
}
