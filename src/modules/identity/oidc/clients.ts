import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { AdapterPayload } from 'oidc-provider';
import type { DbOrTx } from '../../../platform/db.js';
import { UnprocessableError } from '../../../platform/errors.js';
import { API_SCOPES } from '../../../platform/principal.js';
import { oauthClients } from './schema.js';

/**
 * Partner clients (relying parties and machine clients), registered by operators. The secret
 * is generated here, returned once, and only its hash is stored; the provider compares
 * through `Client.prototype.compareClientSecret` (see provider.ts), which oidc-provider's
 * maintainer names as the supported hook for hashed secrets. The cost: `client_secret_jwt`
 * and symmetric (HS*) algorithms, which need the clear secret, are not offered.
 */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'organisation', 'offline_access'] as const;
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
/** Extra client metadata carrying the organisation a machine client acts for. */
export const ORG_METADATA = 'techex_organisation_id';

export interface RegisterClientInput {
  name: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes: (typeof GRANT_TYPES)[number][];
  scopes: string[];
  organisationId?: string | null;
  tokenEndpointAuthMethod?: (typeof AUTH_METHODS)[number];
  /** Normally generated; tests and seeds may choose a readable id. */
  clientId?: string;
  /** Normally generated; only the demo seed (embedded defaults, never production) sets one. */
  clientSecret?: string;
}

export interface RegisteredClient {
  clientId: string;
  /** Shown once; only its hash is kept. */
  clientSecret: string;
  name: string;
}

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export function clientSecretMatches(storedHash: string, presented: string): boolean {
  const a = Buffer.from(hashClientSecret(presented));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

function invalid(field: string, message: string): never {
  throw new UnprocessableError('invalid-client-metadata', { field }, [{ field, message }]);
}

function checkUris(field: string, uris: string[]): void {
  if (uris.length > 20) invalid(field, 'at most 20');
  for (const u of uris) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      invalid(field, `not a URL: ${u.slice(0, 100)}`);
    }
    if (u.length > 2000 || url.hash) invalid(field, 'no fragment, at most 2000 characters');
    // Redirect URIs are compared exactly: a wildcard would read as a pattern to a person and
    // match nothing (or, in a lax relying party, too much). Credentials in a URI leak.
    if (u.includes('*') || url.hostname.includes('%2A') || url.hostname.includes('%2a'))
      invalid(field, `wildcards are not allowed: ${u.slice(0, 100)}`);
    if (url.username || url.password) invalid(field, 'no user name or password in the URI');
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) invalid(field, 'https required');
  }
}

export async function registerClient(db: DbOrTx, input: RegisterClientInput): Promise<RegisteredClient> {
  const name = input.name.trim();
  if (!name || name.length > 200) invalid('name', '1–200 characters');
  const grantTypes = [...new Set(input.grantTypes)];
  if (!grantTypes.length || grantTypes.some((g) => !GRANT_TYPES.includes(g)))
    invalid('grantTypes', 'unknown');
  const known = new Set<string>([...OIDC_SCOPES, ...Object.keys(API_SCOPES)]);
  const scopes = [...new Set(input.scopes)];
  if (scopes.some((s) => !known.has(s))) invalid('scopes', 'unknown scope');
  const redirectUris = input.redirectUris ?? [];
  const postLogout = input.postLogoutRedirectUris ?? [];
  checkUris('redirectUris', redirectUris);
  checkUris('postLogoutRedirectUris', postLogout);
  if (grantTypes.includes('authorization_code') && !redirectUris.length)
    invalid('redirectUris', 'required for authorization_code');
  if (grantTypes.includes('client_credentials') && !input.organisationId)
    invalid('organisationId', 'a machine client must be bound to an organisation');
  const clientId = input.clientId ?? `tx_${randomBytes(12).toString('base64url')}`;
  const clientSecret = input.clientSecret ?? randomBytes(32).toString('base64url');
  await db.insert(oauthClients).values({
    clientId,
    secretHash: hashClientSecret(clientSecret),
    name,
    redirectUris,
    postLogoutRedirectUris: postLogout,
    grantTypes,
    scopes,
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
    organisationId: input.organisationId ?? null,
  });
  return { clientId, clientSecret, name };
}

export async function disableClient(db: DbOrTx, clientId: string): Promise<boolean> {
  const rows = await db
    .update(oauthClients)
    .set({ disabled: true })
    .where(eq(oauthClients.clientId, clientId))
    .returning({ clientId: oauthClients.clientId });
  return rows.length > 0;
}

export async function findClientRow(db: DbOrTx, clientId: string) {
  const [row] = await db
    .select()
    .from(oauthClients)
    .where(and(eq(oauthClients.clientId, clientId), eq(oauthClients.disabled, false)));
  return row;
}

/**
 * The client as oidc-provider metadata. `client_secret` holds the hash: the provider needs
 * a value to know the client is confidential, and compares through our hook.
 */
export async function clientMetadata(db: DbOrTx, clientId: string): Promise<AdapterPayload | undefined> {
  if (clientId.length > 200) return undefined;
  const row = await findClientRow(db, clientId);
  if (!row) return undefined;
  const interactive = row.grantTypes.includes('authorization_code');
  return {
    client_id: row.clientId,
    client_secret: row.secretHash,
    client_name: row.name,
    redirect_uris: row.redirectUris,
    post_logout_redirect_uris: row.postLogoutRedirectUris,
    grant_types: row.grantTypes,
    response_types: interactive ? ['code'] : [],
    scope: row.scopes.join(' '),
    token_endpoint_auth_method: row.tokenEndpointAuthMethod,
    [ORG_METADATA]: row.organisationId ?? undefined,
  } as AdapterPayload;
}
