import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import { NotFoundError } from '../../platform/errors.js';
import { type RegisterClientInput, registerClient } from './oidc/clients.js';
import { findOrganisation } from './repository.js';
import type { Caller, IdentityDeps } from './service.js';

/**
 * Operators register partner clients (relying parties and machine clients). The OpenID
 * provider owns the storage (oidc/clients.ts); the secret is returned once, never again.
 */
export async function registerPartnerClient(
  deps: IdentityDeps,
  caller: Caller,
  input: Omit<RegisterClientInput, 'clientId'>,
) {
  authorize(caller.principal, 'client.register', null);
  if (input.organisationId && !(await findOrganisation(deps.db, input.organisationId)))
    throw new NotFoundError();
  return deps.db.transaction(async (tx) => {
    const client = await registerClient(tx, input);
    await recordAudit(tx, {
      actor: actorOf(caller.principal),
      action: 'client.register',
      objectType: 'oauth_client',
      objectId: client.clientId,
      after: {
        name: client.name,
        redirectUris: input.redirectUris ?? [],
        grantTypes: input.grantTypes,
        scopes: input.scopes,
        organisationId: input.organisationId ?? null,
      },
      requestId: caller.requestId,
    });
    return { ...client, organisationId: input.organisationId ?? null };
  });
}
