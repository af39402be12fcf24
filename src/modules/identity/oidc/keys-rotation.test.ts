import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMachineClient,
  createOrganisation,
  type OidcServer,
  startOidcServer,
} from '../../../test/fixtures/identity-oidc.js';
import { createKeyStore } from '../keys.js';
import { createProviderHolder } from './provider.js';

let srv: OidcServer;
beforeAll(async () => {
  srv = await startOidcServer();
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

describe('signing key rotation', () => {
  it('rebuilds the provider with the new key first and keeps the old one published', async () => {
    const { db } = srv.ctx.database;
    const keys = createKeyStore(db, srv.ctx.secrets.appSecret);
    const holder = createProviderHolder(
      { db, config: srv.ctx.config, appSecret: srv.ctx.secrets.appSecret },
      keys,
    );
    const before = await holder.get();
    expect(await holder.get()).toBe(before);
    const oldKid = (await keys.active()).kid;

    const newKid = await keys.rotate(600);
    const after = await holder.get();
    expect(after).not.toBe(before);
    const published = (await keys.publicJwks()).keys.map((k) => k.kid);
    expect(published[0]).toBe(newKid);
    expect(published).toContain(oldKid);
  });

  it('tokens from the running server verify across a rotation (old key still published)', async () => {
    const org = await createOrganisation(srv.ctx);
    const { config } = await createMachineClient(srv, org.id, ['catalog:read'], 'sync');
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'catalog:read' });
    const kid = decodeProtectedHeader(access_token).kid;
    await srv.ctx.identity.keys.rotate(600);
    srv.ctx.identity.keys.invalidate();
    const jwks = (await (await fetch(`${srv.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    const res = await fetch(`${srv.base}/v1/me`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    // Verified (GET /v1/me needs no scope; a machine client is no person, so 404, not a bad token's 401).
    expect(res.status).toBe(404);
  });
});
