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

export { demoSignInHelp, ensureDemoPeople, isLoopbackHost, seedDemoAccounts } from './demo-accounts.js';
// The identity module's public face: what other modules may use (lint: biome.json overrides).
export {
  creditCodeCheckChar,
  isValidPartyNatureCode,
  isValidRegionCode,
  maskContact,
  normalizeIdentifier,
  PARTY_NATURE_CODES,
  patentCheckChar,
  residentIdCheckChar,
  validateCreditCode,
  validatePatentNumber,
} from './identifiers.js';
export {
  type ApplicantOrganisation,
  applicantOrganisationText,
  findOrganisation,
  findOrganisationByCreditCode,
  findOrganisationsAndVerifiedParties,
  findOrganisationsByType,
  findOrganisationWithSubCentre,
  findSubCentre,
  findSubCentreByCode,
  findVerifiedOrganisationIdsByCreditCodes,
  findVerifiedOrganisationsByCreditCodes,
  grantRole,
  insertOrganisation,
  insertSubCentre,
  type Organisation,
  type SubCentre,
  subCentreSql,
  usersWithRole,
  verifiedOrganisationIdsSql,
} from './repository.js';
