import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../../../platform/config.js';
import { deriveKey } from '../../../platform/crypto.js';
import type { Db } from '../../../platform/db.js';
import { UUID_RE } from '../../../platform/ids.js';
import { API_SCOPES } from '../../../platform/principal.js';
import { issuerOf } from '../index.js';
import type { KeyStore } from '../keys.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../tokens.js';
import type { AccessTokenVerifier } from './access-tokens.js';
import { PgAdapter } from './adapter.js';
import { accountFinder, CLAIMS_BY_SCOPE, tokenClaimsExtender } from './claims.js';
import { AUTH_METHODS, clientSecretMatches, OIDC_SCOPES, ORG_METADATA } from './clients.js';
import { esc, logoutPage, messagePage, page } from './pages.js';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const SESSION_TTL_SECONDS = 8 * 3600;
/** The absolute cap on a grant; refresh tokens slide within it (30 days from each use). */
export const GRANT_TTL_SECONDS = 365 * 24 * 3600;
export const INTERACTION_TTL_SECONDS = 30 * 60;

export interface ProviderDeps {
  db: Db;
  config: Pick<Config, 'publicUrl' | 'trustProxy'>;
  appSecret: string;
  /** Lets introspection, revocation and userinfo take the API's JWT access tokens. */
  verifyAccessToken?: AccessTokenVerifier;
}

const API_SCOPE_LIST = Object.keys(API_SCOPES);

/**
 * A client-credentials request must name the API scopes it wants: without one the token would
 * be refused by every API call, so the request is refused instead (`invalid_scope`).
 */
function requireApiScopeForMachines(ctx: KoaContextWithOIDC): void {
  const params = ctx.oidc.params as { grant_type?: string; scope?: string } | undefined;
  if (params?.grant_type !== 'client_credentials') return;
  const scopes = String(params.scope ?? '').split(' ');
  if (!scopes.some((s) => API_SCOPE_LIST.includes(s)))
    throw new errors.InvalidScope(
      "name the API scopes wanted in `scope`, e.g. scope=catalog:read (one or more of the client's registered scopes)",
      API_SCOPE_LIST.join(' '),
    );
}

/**
 * The exchange's OpenID provider (panva oidc-provider, a certified OP). `jwks` are the key
 * store's published private keys, active key first (it signs; the others stay published for
 * verification until their tokens expire).
 */
export function createProvider(deps: ProviderDeps, jwks: object[]): Provider {
  const { db, config } = deps;
  const { issuer, audience } = issuerOf(config);
  const cookieKey = deriveKey(Buffer.from(deps.appSecret), 'oidc-cookies').toString('base64url');
  const apiResource = {
    scope: API_SCOPE_LIST.join(' '),
    audience,
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: 'RS256' as const } },
  };

  const provider = new Provider(issuer, {
    adapter: (name: string) => new PgAdapter(db, name, deps.verifyAccessToken),
    jwks: { keys: jwks as never },
    cookies: {
      keys: [cookieKey],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: CLAIMS_BY_SCOPE,
    scopes: [...OIDC_SCOPES, ...API_SCOPE_LIST],
    // Code flow: put the scope's claims (the organisation and its verification) in the ID token.
    conformIdTokenClaims: false,
    findAccount: accountFinder(db) as never,
    extraTokenClaims: tokenClaimsExtender(db) as never,
    extraClientMetadata: {
      properties: [ORG_METADATA],
      validator(_ctx, key, value) {
        if (
          key === ORG_METADATA &&
          value !== undefined &&
          (typeof value !== 'string' || !UUID_RE.test(value))
        )
          throw new errors.InvalidClientMetadata(`${ORG_METADATA} must be an organisation id`);
      },
    },
    clientAuthMethods: [...AUTH_METHODS],
    // PKCE for every authorization request; oidc-provider 9 accepts only S256.
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // (the typings tie introspection to rich authorization requests; the runtime does not)
      // Partners are separate parties: each may introspect and revoke only its own tokens.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      } as never,
      revocation: {
        enabled: true,
        async allowedPolicy(_ctx, client, token) {
          if (token.clientId !== client.clientId)
            throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          return true;
        },
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage(form, ctx.host);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = messagePage('已退出登录', '您已退出江苏省技术产权交易市场的统一登录。');
        },
      },
      resourceIndicators: {
        enabled: true,
        // An authorization or client-credentials request for API scopes gets a JWT for the
        // API (audience `${PUBLIC_URL}/v1`); one for OpenID scopes only gets an opaque token
        // for userinfo.
        async defaultResource(ctx, _client, oneOf) {
          if (oneOf) return oneOf;
          requireApiScopeForMachines(ctx);
          const scopes = String(ctx.oidc.params?.scope ?? '').split(' ');
          return scopes.some((s) => API_SCOPE_LIST.includes(s)) ? audience : (undefined as never);
        },
        async useGrantedResource() {
          return true;
        },
        async getResourceServerInfo(ctx, resource) {
          if (resource !== audience) throw new errors.InvalidTarget();
          requireApiScopeForMachines(ctx);
          return apiResource;
        },
      },
    },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      ClientCredentials: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: ACCESS_TOKEN_TTL_SECONDS,
      RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
      Session: SESSION_TTL_SECONDS,
      Grant: GRANT_TTL_SECONDS,
      Interaction: INTERACTION_TTL_SECONDS,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        '请求无法完成',
        `<h1>请求无法完成</h1><p>${esc(out.error)}</p><p class="muted">${esc(out.error_description)}</p>`,
      );
    },
  });
  // The passthrough (routes.ts) sets X-Forwarded-Host/-Proto to PUBLIC_URL on every request,
  // and X-Forwarded-For only from an address the platform trusts.
  provider.proxy = true;
  // Secrets are stored hashed (clients.ts); the maintainer's supported hook to compare them.
  provider.Client.prototype.compareClientSecret = async function (this: { clientSecret?: string }, actual) {
    return !!this.clientSecret && clientSecretMatches(this.clientSecret, actual);
  };
  return provider;
}

/**
 * Holds the provider and rebuilds it when the key store's published keys change (rotation, on
 * this replica or another: the key store re-reads at most every minute). All state is in
 * PostgreSQL, so a rebuilt provider carries on every session and grant.
 */
export function createProviderHolder(deps: ProviderDeps, keys: KeyStore) {
  let current: { fingerprint: string; provider: Provider } | undefined;
  return {
    async get(): Promise<Provider> {
      const published = await keys.published();
      const ordered = [...published.filter((k) => !k.retiredAt), ...published.filter((k) => k.retiredAt)];
      const fingerprint = ordered.map((k) => k.kid).join(',');
      if (current?.fingerprint !== fingerprint) {
        const jwks = ordered.map((k) => ({ ...k.privateJwk, kid: k.kid, alg: k.alg, use: 'sig' }));
        current = { fingerprint, provider: createProvider(deps, jwks) };
      }
      return current.provider;
    },
  };
}
