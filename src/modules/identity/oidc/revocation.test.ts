import * as oidc from 'openid-client';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ModuleRoutes } from '../../../platform/module.js';
import { useTestApp } from '../../../test/app.js';
import {
  authorize,
  Browser,
  createMachineClient,
  createOrganisation,
  createPartner,
  createPerson,
  type OidcServer,
  pkce,
  startOidcServer,
} from '../../../test/fixtures/identity-oidc.js';

/**
 * The API's access tokens are JWTs, yet a revoked grant's tokens stop working: on a replica that
 * never saw the token at once, and on one that had it cached within seconds. Introspection and
 * revocation take the JWTs too.
 */
const whoami: ModuleRoutes = async (app) => {
  app.get('/v1/test-whoami', async (req) => req.principal ?? null);
};

let srv: OidcServer;
/** A second API replica on the same database, which has never seen the tokens. */
const replica = useTestApp([whoami], {
  env: async () => {
    srv = await startOidcServer([whoami]);
    return { PUBLIC_URL: srv.base };
  },
});
afterAll(async () => {
  await srv?.close();
});

const call = (token: string) =>
  fetch(`${srv.base}/v1/test-whoami`, { headers: { authorization: `Bearer ${token}` } }).then(
    (r) => r.status,
  );
const callReplica = async (token: string) =>
  (await replica.app.inject({ url: '/v1/test-whoami', headers: { authorization: `Bearer ${token}` } }))
    .statusCode;

/** Refused on the other replica at once, and on this one (which cached it) within seconds. */
async function expectRefusedEverywhere(token: string) {
  expect(await callReplica(token)).toBe(401);
  await vi.waitFor(async () => expect(await call(token)).toBe(401), { timeout: 15_000, interval: 250 });
}

async function signIn(scope = 'openid profile catalog:read', prompt?: string) {
  const person = await createPerson(srv.ctx, [await createOrganisation(srv.ctx)]);
  const postLogout = `https://partner-${srv.ctx.tag}.example.cn/bye`;
  const partner = await createPartner(srv, { postLogoutRedirectUris: [postLogout] });
  const browser = new Browser();
  const { verifier, challenge } = await pkce();
  const url = oidc.buildAuthorizationUrl(partner.config, {
    redirect_uri: partner.redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(prompt ? { prompt } : {}),
  });
  const run = await authorize(browser, srv, url.href, person);
  const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
    pkceCodeVerifier: verifier,
  });
  // Used once on this replica, so its verification is cached here.
  expect(await call(tokens.access_token)).toBe(200);
  return { person, partner, browser, tokens, postLogout, callback: run.callback!, verifier };
}

describe('revoking a grant reaches its JWT access tokens', () => {
  it('after RP-initiated logout', async () => {
    const { partner, browser, tokens, postLogout } = await signIn();
    const end = oidc.buildEndSessionUrl(partner.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: postLogout,
    });
    const html = await (await browser.fetch(end.href)).text();
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await browser.fetch(new URL(action, srv.base).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(done.status).toBe(303);
    await expectRefusedEverywhere(tokens.access_token);
  });

  it('after a refresh token is reused', async () => {
    const { partner, tokens } = await signIn('openid offline_access catalog:read', 'consent');
    const next = await oidc.refreshTokenGrant(partner.config, tokens.refresh_token!);
    expect(await call(next.access_token)).toBe(200);
    await expect(oidc.refreshTokenGrant(partner.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expectRefusedEverywhere(tokens.access_token);
    await expectRefusedEverywhere(next.access_token);
  });

  it('after a code is used twice', async () => {
    const { partner, tokens, callback, verifier } = await signIn();
    await expect(
      oidc.authorizationCodeGrant(partner.config, callback, { pkceCodeVerifier: verifier }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expectRefusedEverywhere(tokens.access_token);
  });

  it('introspects the JWT access token, and revoking it ends the grant', async () => {
    const { person, partner, tokens } = await signIn();
    const seen = await oidc.tokenIntrospection(partner.config, tokens.access_token);
    expect(seen).toMatchObject({
      active: true,
      sub: person.id,
      client_id: partner.clientId,
      scope: 'catalog:read',
      aud: `${srv.base}/v1`,
    });
    // Another partner learns nothing about it.
    const other = await createPartner(srv);
    expect((await oidc.tokenIntrospection(other.config, tokens.access_token)).active).toBe(false);

    await oidc.tokenRevocation(partner.config, tokens.access_token);
    expect((await oidc.tokenIntrospection(partner.config, tokens.access_token)).active).toBe(false);
    await expectRefusedEverywhere(tokens.access_token);
  });

  it("revokes a machine client's JWT on its own", async () => {
    const org = await createOrganisation(srv.ctx);
    const { config } = await createMachineClient(srv, org.id, ['catalog:read'], '机器客户端');
    const first = await oidc.clientCredentialsGrant(config, { scope: 'catalog:read' });
    const second = await oidc.clientCredentialsGrant(config, { scope: 'catalog:read' });
    expect(await call(first.access_token)).toBe(200);
    expect((await oidc.tokenIntrospection(config, first.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, first.access_token);
    expect((await oidc.tokenIntrospection(config, first.access_token)).active).toBe(false);
    await expectRefusedEverywhere(first.access_token);
    // Only that token: the client's other token still works.
    expect(await callReplica(second.access_token)).toBe(200);
  });
});
