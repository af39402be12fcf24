import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../platform/errors.js';
import {
  createMachineClient,
  createOrganisation,
  type OidcServer,
  startOidcServer,
} from '../../../test/fixtures/identity-oidc.js';
import { registerClient } from './clients.js';
import { oauthClients } from './schema.js';

let srv: OidcServer;
beforeAll(async () => {
  // A test-only route that shows the principal the platform derived from the token.
  srv = await startOidcServer([
    async (app) => {
      app.get('/v1/test-whoami', async (req) => req.principal ?? null);
    },
  ]);
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

const machineClient = (organisationId: string, scopes = ['catalog:read', 'vouchers:write']) =>
  createMachineClient(srv, organisationId, scopes, '高校成果发布系统');

describe('client credentials for machine clients bound to an organisation', () => {
  it('issues a token that acts for its organisation, not another', async () => {
    const x = await createOrganisation(srv.ctx, { verified: true });
    const y = await createOrganisation(srv.ctx);
    const { reg, config } = await machineClient(x.id);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'catalog:read' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: srv.issuer,
      aud: `${srv.base}/v1`,
      sub: reg.clientId,
      client_id: reg.clientId,
      kind: 'client',
      org: x.id,
      org_verified: true,
      roles: [],
      scope: 'catalog:read',
    });
    expect(claims.exp! - claims.iat!).toBe(600);

    const res = await fetch(`${srv.base}/v1/test-whoami`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const principal = (await res.json()) as { kind: string; id: string; organisationId: string };
    expect(principal).toMatchObject({ kind: 'client', id: reg.clientId, organisationId: x.id });
    expect(principal.organisationId).not.toBe(y.id);

    // People-only operations refuse it: /v1/me (no scope needed) is not there for a machine.
    const me = await fetch(`${srv.base}/v1/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(me.status).toBe(404);
    const sessions = await fetch(`${srv.base}/v1/me/sessions`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(sessions.status).toBe(403);
  });

  it('refuses scopes the client was not registered for, and a wrong secret', async () => {
    const x = await createOrganisation(srv.ctx);
    const { reg, config } = await machineClient(x.id, ['catalog:read']);
    await expect(oidc.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
    const wrong = new oidc.Configuration(
      config.serverMetadata(),
      reg.clientId,
      undefined,
      oidc.ClientSecretBasic(`${reg.clientSecret}x`),
    );
    oidc.allowInsecureRequests(wrong);
    await expect(oidc.clientCredentialsGrant(wrong, { scope: 'catalog:read' })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('stores only a hash of the secret and validates registrations', async () => {
    const x = await createOrganisation(srv.ctx);
    const { reg } = await machineClient(x.id);
    const rows = await srv.ctx.database.db.select().from(oauthClients);
    const row = rows.find((r) => r.clientId === reg.clientId)!;
    expect(row.secretHash).not.toContain(reg.clientSecret);
    expect(JSON.stringify(row)).not.toContain(reg.clientSecret);
    await expect(
      registerClient(srv.ctx.database.db, { name: 'x', grantTypes: ['client_credentials'], scopes: [] }),
    ).rejects.toBeInstanceOf(UnprocessableError);
    await expect(
      registerClient(srv.ctx.database.db, {
        name: 'x',
        grantTypes: ['authorization_code'],
        scopes: ['openid'],
        redirectUris: ['http://partner.example.cn/cb'],
      }),
    ).rejects.toBeInstanceOf(UnprocessableError);
  });
});
