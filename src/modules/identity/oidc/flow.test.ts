import { and, eq, sql } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorize,
  Browser,
  createOrganisation,
  createPartner,
  createPerson,
  type OidcServer,
  pkce,
  startOidcServer,
} from '../../../test/fixtures/identity-oidc.js';
import { createKeyStore } from '../keys.js';
import { scopeText } from './pages.js';
import { oidcPayloads } from './schema.js';

let srv: OidcServer;
beforeAll(async () => {
  srv = await startOidcServer();
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

const SCOPE = 'openid profile organisation offline_access catalog:read';

async function signIn(
  partner: Awaited<ReturnType<typeof createPartner>>,
  browser: Browser,
  person?: { email: string },
  organisation?: string,
  /** `consent` is how a partner asks for offline_access (a refresh token), per OpenID Connect. */
  prompt?: string,
  scope = SCOPE,
) {
  const { verifier, challenge } = await pkce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(partner.config, {
    redirect_uri: partner.redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    ...(prompt ? { prompt } : {}),
  });
  const result = await authorize(browser, srv, url.href, person, organisation);
  return { ...result, verifier, state };
}

describe('OpenID provider: code flow with PKCE (openid-client as the relying party)', () => {
  it('publishes discovery and the key store keys', async () => {
    const res = await fetch(`${srv.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(srv.issuer);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['organisation', 'catalog:read']));
    const jwks = (await (await fetch(meta.jwks_uri as string)).json()) as {
      keys: { kid: string; d?: string }[];
    };
    // Other test files may rotate keys meanwhile: every key served must be one the store holds.
    const stored = await createKeyStore(srv.ctx.database.db, srv.ctx.secrets.appSecret).publicJwks();
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(stored.keys.map((k) => k.kid)).toEqual(expect.arrayContaining(jwks.keys.map((k) => k.kid)));
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });

  it('signs in, issues an API token in the tokens.ts format, and the API accepts it', async () => {
    const org = await createOrganisation(srv.ctx, { verified: true });
    const person = await createPerson(srv.ctx, [org]);
    const partner = await createPartner(srv);
    const browser = new Browser();
    const run = await signIn(partner, browser, person);
    expect(run.pages).toEqual(['login', 'consent']);
    expect(run.callback?.href.startsWith(partner.redirectUri)).toBe(true);

    const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: run.verifier,
      expectedState: run.state,
    });
    const id = tokens.claims()!;
    expect(id.sub).toBe(person.id);
    expect(id).toMatchObject({ org: org.id, org_verified: true, org_level: 'L2', name: '张测试' });

    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const at = decodeJwt(tokens.access_token);
    expect(at).toMatchObject({
      iss: srv.issuer,
      aud: `${srv.base}/v1`,
      sub: person.id,
      kind: 'user',
      org: org.id,
      org_role: 'org_member',
      org_verified: true,
      org_level: 'L2',
      roles: [],
      sub_centres: [],
      client_id: partner.clientId,
      scope: 'catalog:read',
    });
    expect(at.exp! - at.iat!).toBe(600);

    // A partner granted catalog:read only cannot see (or end) the person's sessions.
    const partnerView = await fetch(`${srv.base}/v1/me/sessions`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(partnerView.status).toBe(403);
    expect(partnerView.headers.get('www-authenticate')).toContain('insufficient_scope');
    const own = await srv.ctx.identity.tokens.issueForUser(person.id, {
      clientId: 't',
      scopes: ['account:manage'],
    });
    const me = await fetch(`${srv.base}/v1/me/sessions`, { headers: { authorization: `Bearer ${own}` } });
    expect(me.status).toBe(200);
    const list = (await me.json()) as { items: { type: string; clients: { clientId: string }[] }[] };
    expect(list.items.map((i) => i.type).sort()).toEqual(['grant', 'session']);
    expect(list.items.every((i) => i.clients.some((c) => c.clientId === partner.clientId))).toBe(true);
  });

  it('single sign-on: a second partner gets a code without the password', async () => {
    const org = await createOrganisation(srv.ctx);
    const person = await createPerson(srv.ctx, [org]);
    const a = await createPartner(srv);
    const b = await createPartner(srv);
    const browser = new Browser();
    const first = await signIn(a, browser, person);
    expect(first.pages).toEqual(['login', 'consent']);
    // No credentials passed: a login page would stop the run without a callback.
    const second = await signIn(b, browser);
    expect(second.pages).toEqual(['consent']);
    expect(second.callback?.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(b.config, second.callback!, {
      pkceCodeVerifier: second.verifier,
      expectedState: second.state,
    });
    expect(tokens.claims()!.sub).toBe(person.id);
    // Once consented, partner A signs in again with no page at all.
    const again = await signIn(a, browser);
    expect(again.pages).toEqual([]);
    expect(again.callback?.searchParams.get('code')).toBeTruthy();
  });

  it('userinfo answers for an OpenID-only token', async () => {
    const person = await createPerson(srv.ctx);
    const partner = await createPartner(srv);
    const { verifier, challenge } = await pkce();
    const url = oidc.buildAuthorizationUrl(partner.config, {
      redirect_uri: partner.redirectUri,
      scope: 'openid email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const run = await authorize(new Browser(), srv, url.href, person);
    const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: verifier,
    });
    const info = await oidc.fetchUserInfo(partner.config, tokens.access_token, person.id);
    expect(info.email).toBe(person.email);
  });

  it('lists and revokes my sessions: revoking the session revokes its grants', async () => {
    const person = await createPerson(srv.ctx);
    // The exchange's own front end is such a client: it is registered with account:manage.
    const partner = await createPartner(srv, {
      scopes: ['openid', 'profile', 'organisation', 'offline_access', 'catalog:read', 'account:manage'],
    });
    expect(scopeText('account:manage')).toBe('管理本人账号、实名与登录会话');
    const browser = new Browser();
    const run = await signIn(partner, browser, person, undefined, 'consent', `${SCOPE} account:manage`);
    const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: run.verifier,
      expectedState: run.state,
    });
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    const list = (await (await fetch(`${srv.base}/v1/me/sessions?limit=1`, { headers: auth })).json()) as {
      items: { id: string; type: string }[];
      nextCursor: string | null;
    };
    expect(list.items).toHaveLength(1);
    const next = (await (
      await fetch(`${srv.base}/v1/me/sessions?limit=1&cursor=${list.nextCursor}`, { headers: auth })
    ).json()) as { items: { id: string; type: string }[] };
    const session = [...list.items, ...next.items].find((i) => i.type === 'session')!;

    const other = await createPerson(srv.ctx);
    const otherToken = await srv.ctx.identity.tokens.issueForUser(other.id, {
      clientId: 't',
      scopes: ['account:manage'],
    });
    const foreign = await fetch(`${srv.base}/v1/me/sessions/${session.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${otherToken}` },
    });
    expect(foreign.status).toBe(404);

    // The person's own token, but without account:manage (a partner's): refused, nothing revoked.
    const scopeless = await srv.ctx.identity.tokens.issueForUser(person.id, {
      clientId: 't',
      scopes: ['catalog:read'],
    });
    const refused = await fetch(`${srv.base}/v1/me/sessions/${session.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${scopeless}` },
    });
    expect(refused.status).toBe(403);
    const still = (await (await fetch(`${srv.base}/v1/me/sessions?limit=10`, { headers: auth })).json()) as {
      items: { id: string }[];
    };
    expect(still.items.map((i) => i.id)).toContain(session.id);

    const del = await fetch(`${srv.base}/v1/me/sessions/${session.id}`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(204);
    await expect(oidc.refreshTokenGrant(partner.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The browser is signed out: the partner's next request asks for the password again.
    const again = await signIn(partner, browser);
    expect(again.callback).toBeUndefined();
    expect(again.lastHtml).toContain('/login"');
  });
});

describe('OpenID provider: refusals', () => {
  it('refuses a redirect_uri that is not registered exactly', async () => {
    const partner = await createPartner(srv);
    const { challenge } = await pkce();
    const url = oidc.buildAuthorizationUrl(partner.config, {
      redirect_uri: `${partner.redirectUri}/other`,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const res = await new Browser().fetch(url.href);
    // Never redirected to an unregistered URI: an error page on the provider instead.
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri');
  });

  it('refuses a request without PKCE and one with plain PKCE', async () => {
    const partner = await createPartner(srv);
    const variants: Record<string, string>[] = [
      {},
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
    ];
    for (const extra of variants) {
      const url = oidc.buildAuthorizationUrl(partner.config, {
        redirect_uri: partner.redirectUri,
        scope: 'openid',
        ...extra,
      });
      const res = await new Browser().fetch(url.href);
      expect(res.status).toBe(303);
      const back = new URL(res.headers.get('location')!);
      expect(back.href.startsWith(partner.redirectUri)).toBe(true);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('code')).toBeNull();
    }
  });

  it('refuses a reused code, and revokes what the first use issued', async () => {
    const person = await createPerson(srv.ctx);
    const partner = await createPartner(srv);
    const run = await signIn(partner, new Browser(), person, undefined, 'consent');
    const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: run.verifier,
      expectedState: run.state,
    });
    await expect(
      oidc.authorizationCodeGrant(partner.config, run.callback!, {
        pkceCodeVerifier: run.verifier,
        expectedState: run.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(partner.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses an expired code', async () => {
    const person = await createPerson(srv.ctx);
    const partner = await createPartner(srv);
    const run = await signIn(partner, new Browser(), person);
    await srv.ctx.database.db
      .update(oidcPayloads)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(and(eq(oidcPayloads.model, 'AuthorizationCode'), eq(oidcPayloads.accountId, person.id)));
    await expect(
      oidc.authorizationCodeGrant(partner.config, run.callback!, {
        pkceCodeVerifier: run.verifier,
        expectedState: run.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('rotates refresh tokens; reusing one revokes the whole grant', async () => {
    const person = await createPerson(srv.ctx);
    const partner = await createPartner(srv);
    const run = await signIn(partner, new Browser(), person, undefined, 'consent');
    const first = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: run.verifier,
      expectedState: run.state,
    });
    const second = await oidc.refreshTokenGrant(partner.config, first.refresh_token!);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.access_token)).toMatchObject({ sub: person.id, aud: `${srv.base}/v1` });

    await expect(oidc.refreshTokenGrant(partner.config, first.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The rotated token belonged to the same grant: it is gone too.
    await expect(oidc.refreshTokenGrant(partner.config, second.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a wrong client secret', async () => {
    const partner = await createPartner(srv);
    const wrong = new oidc.Configuration(
      partner.config.serverMetadata(),
      partner.clientId,
      undefined,
      oidc.ClientSecretBasic('not-the-secret'),
    );
    oidc.allowInsecureRequests(wrong);
    await expect(oidc.refreshTokenGrant(wrong, 'whatever')).rejects.toMatchObject({
      status: 401,
      cause: [{ parameters: { error: 'invalid_client' } }],
    });
  });
});
