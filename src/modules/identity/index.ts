import type { Config } from '../../platform/config.js';
import type { Db } from '../../platform/db.js';
import { createKeyStore, type KeyStore } from './keys.js';
import { createTokenService, type TokenService } from './tokens.js';

export interface IdentityCore {
  keys: KeyStore;
  tokens: TokenService;
}

/** The OpenID issuer and the API audience (RFC 8707 resource) the access tokens name. */
export function issuerOf(config: Pick<Config, 'publicUrl'>): { issuer: string; audience: string } {
  return { issuer: `${config.publicUrl}/oidc`, audience: `${config.publicUrl}/v1` };
}

export function createIdentityCore(
  db: Db,
  config: Pick<Config, 'publicUrl'>,
  appSecret: string,
): IdentityCore {
  const keys = createKeyStore(db, appSecret);
  return { keys, tokens: createTokenService(db, keys, issuerOf(config)) };
}
