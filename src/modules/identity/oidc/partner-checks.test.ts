import { request } from 'node:http';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../platform/errors.js';
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
import { registerClient } from './clients.js';

/**
 * What a partner's generic OpenID client (openid-client here) and a security review met:
 * a scope the person may not have, a machine client asking for no scope, a forged Host
 * header, wildcard redirect URIs, and userinfo after a combined login.
 */
let srv: OidcServer;
beforeAll(async () => {
  srv = await startOidcServer();
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

async function codeFlow(partner: Awaited<ReturnType<typeof createPartner>>, scope: string) {
  const person = await createPerson(srv.ctx, [await createOrganisation(srv.ctx)]);
  const { verifier, challenge } = await pkce();
  const url = oidc.buildAuthorizationUrl(partner.config, {
    redirect_uri: partner.redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const run = await authorize(new Browser(), srv, url.href, person);
  return { person, run, verifier };
}

describe('consent for a scope the person may not have', () => {
  it('grants what may be granted instead of asking again after every 同意并继续', async () => {
    const partner = await createPartner(srv, {
      scopes: ['openid', 'profile', 'catalog:read', 'admin'],
    });
    const { run, verifier } = await codeFlow(partner, 'openid profile catalog:read admin');
    // One consent page, then back to the partner with a code (before: consent, consent, …).
    expect(run.pages).toEqual(['login', 'consent']);
    expect(run.consentHtml).toContain('仅限平台运营人员，不会授予');
    expect(run.callback?.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: verifier,
    });
    expect(decodeJwt(tokens.access_token).scope).toBe('catalog:read');
  });
});

describe('client credentials without a scope', () => {
  it('answers invalid_scope instead of a token every API call would refuse', async () => {
    const org = await createOrganisation(srv.ctx);
    const { config } = await createMachineClient(srv, org.id, ['catalog:read'], '无范围的机器客户端');
    await expect(oidc.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(oidc.clientCredentialsGrant(config, { resource: `${srv.base}/v1` })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
    const ok = await oidc.clientCredentialsGrant(config, { scope: 'catalog:read' });
    expect(decodeJwt(ok.access_token).scope).toBe('catalog:read');
  });
});

describe('discovery', () => {
  it('names PUBLIC_URL whatever Host or X-Forwarded-Host the caller sends', async () => {
    const { port } = new URL(srv.base);
    const meta = await new Promise<Record<string, string>>((resolve, reject) => {
      request(
        {
          host: '127.0.0.1',
          port,
          path: '/oidc/.well-known/openid-configuration',
          headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve(JSON.parse(body)));
        },
      )
        .on('error', reject)
        .end();
    });
    expect(meta.issuer).toBe(srv.issuer);
    for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint'])
      expect(meta[key], key).toMatch(new RegExp(`^${srv.base}/oidc/`));
    expect(JSON.stringify(meta)).not.toContain('evil.example');
  });
});

describe('client registration', () => {
  it('refuses wildcard redirect URIs and URIs with credentials', async () => {
    for (const uri of [
      'https://*.evil.example/cb',
      'https://partner.example.cn/*',
      'https://user:pw@partner.example.cn/cb',
    ]) {
      await expect(
        registerClient(srv.ctx.database.db, {
          name: '通配符',
          grantTypes: ['authorization_code'],
          scopes: ['openid'],
          redirectUris: [uri],
        }),
        uri,
      ).rejects.toBeInstanceOf(UnprocessableError);
    }
    await expect(
      registerClient(srv.ctx.database.db, {
        name: '通配符',
        grantTypes: ['authorization_code'],
        scopes: ['openid'],
        redirectUris: ['https://partner.example.cn/cb'],
        postLogoutRedirectUris: ['https://*.partner.example.cn/bye'],
      }),
    ).rejects.toBeInstanceOf(UnprocessableError);
  });
});

describe('userinfo after a combined login', () => {
  it('accepts the access token of `openid profile email catalog:read`, as generic libraries call it', async () => {
    const partner = await createPartner(srv);
    const { person, run, verifier } = await codeFlow(partner, 'openid profile email catalog:read');
    const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: verifier,
    });
    // The API token (a JWT for the API audience) works for userinfo too.
    expect(decodeJwt(tokens.access_token).aud).toBe(`${srv.base}/v1`);
    const info = await oidc.fetchUserInfo(partner.config, tokens.access_token, person.id);
    expect(info).toMatchObject({ sub: person.id, name: '张测试', email: person.email });
    // Only the claims of the OpenID scopes granted: no organisation without `organisation`.
    expect(info.org).toBeUndefined();
  });

  it('refuses a token for API scopes only (no openid) at userinfo', async () => {
    const partner = await createPartner(srv);
    const { run, verifier } = await codeFlow(partner, 'catalog:read');
    expect(run.callback?.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(partner.config, run.callback!, {
      pkceCodeVerifier: verifier,
    });
    await expect(
      oidc.fetchUserInfo(partner.config, tokens.access_token, oidc.skipSubjectCheck),
    ).rejects.toThrow();
  });
});
