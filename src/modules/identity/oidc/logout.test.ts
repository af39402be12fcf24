import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorize,
  Browser,
  createPartner,
  createPerson,
  type OidcServer,
  pkce,
  startOidcServer,
} from '../../../test/fixtures/identity-oidc.js';

let srv: OidcServer;
beforeAll(async () => {
  srv = await startOidcServer();
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

async function signIn(
  partner: Awaited<ReturnType<typeof createPartner>>,
  browser: Browser,
  person?: { email: string },
) {
  const { verifier, challenge } = await pkce();
  const url = oidc.buildAuthorizationUrl(partner.config, {
    redirect_uri: partner.redirectUri,
    scope: 'openid offline_access catalog:read',
    prompt: 'consent',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const run = await authorize(browser, srv, url.href, person);
  if (!run.callback) return { run, tokens: undefined };
  return {
    run,
    tokens: await oidc.authorizationCodeGrant(partner.config, run.callback, { pkceCodeVerifier: verifier }),
  };
}

describe('RP-initiated logout, introspection and revocation', () => {
  it('logs out everywhere and returns to the registered post-logout URI', async () => {
    const person = await createPerson(srv.ctx);
    const postLogout = `https://partner-${srv.ctx.tag}.example.cn/bye`;
    const partner = await createPartner(srv, { postLogoutRedirectUris: [postLogout] });
    const browser = new Browser();
    const { tokens } = await signIn(partner, browser, person);

    const end = oidc.buildEndSessionUrl(partner.config, {
      id_token_hint: tokens!.id_token!,
      post_logout_redirect_uri: postLogout,
    });
    const confirm = await browser.fetch(end.href);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain('退出登录');
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await browser.fetch(new URL(action, srv.base).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')?.startsWith(postLogout)).toBe(true);

    // Signed out: the next authorization asks for the password again.
    const again = await signIn(partner, browser);
    expect(again.run.callback).toBeUndefined();
    expect(again.run.lastHtml).toContain('/login"');
  });

  it('introspects and revokes a refresh token; revocation ends the grant', async () => {
    const person = await createPerson(srv.ctx);
    const partner = await createPartner(srv);
    const { tokens } = await signIn(partner, new Browser(), person);
    const active = await oidc.tokenIntrospection(partner.config, tokens!.refresh_token!);
    expect(active).toMatchObject({ active: true, sub: person.id, client_id: partner.clientId });

    await oidc.tokenRevocation(partner.config, tokens!.refresh_token!);
    const after = await oidc.tokenIntrospection(partner.config, tokens!.refresh_token!);
    expect(after.active).toBe(false);
    await expect(oidc.refreshTokenGrant(partner.config, tokens!.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('does not let another partner introspect the token', async () => {
    const person = await createPerson(srv.ctx);
    const a = await createPartner(srv);
    const b = await createPartner(srv);
    const { tokens } = await signIn(a, new Browser(), person);
    const seen = await oidc.tokenIntrospection(b.config, tokens!.refresh_token!);
    expect(seen.active).toBe(false);
  });
});
