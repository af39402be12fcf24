import type { ModuleDefinition } from '../../platform/module.js';
import { createIdentityCore } from './index.js';
import { pruneOidcPayloads } from './oidc/adapter.js';
import { oidcRoutes } from './oidc/routes.js';
import { identityRoutes } from './routes.js';

/**
 * People, organisations, roles and the OpenID provider. Provides the access-token verifier every
 * API instance authenticates with (its signing key is made at first start).
 */
export const identityModule: ModuleDefinition = {
  name: 'identity',
  routes: identityRoutes,
  authentication: async ({ database, config, secrets }) => {
    const identity = createIdentityCore(database.db, config, secrets.appSecret);
    await identity.keys.ensureKey();
    return identity.tokens.authenticator;
  },
  /** Expired OIDC artefacts (sessions, codes, grants). */
  maintenance: ({ database }) => [{ name: 'oidc-payloads', run: () => pruneOidcPayloads(database.db) }],
};

export const identityOidcModule: ModuleDefinition = { name: 'identity-oidc', routes: oidcRoutes };
