import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import * as oidc from 'openid-client';
import type { ModuleRoutes } from '../../../platform/http/app.js';
import { createOrganisation } from '../../../test/actors.js';
import { buildTestApp, createTestContext, type TestContext } from '../../../test/context.js';
import { freePort } from '../../../test/ports.js';
import { hashPassword } from '../passwords.js';
import { addMembership, insertUser, type Organisation } from '../repository.js';
import { type RegisterClientInput, registerClient } from './clients.js';
import { oidcRoutes } from './routes.js';

/**
 * Test helpers for the OpenID provider: a server on a real port (the issuer must match it),
 * people with passwords, registered clients, and a cookie-keeping browser stand-in that
 * drives the login and consent forms with plain fetch.
 */
export interface OidcServer {
  ctx: TestContext;
  app: FastifyInstance;
  base: string;
  issuer: string;
  close(): Promise<void>;
}

export async function startOidcServer(
  extra: ModuleRoutes[] = [],
  overrides: Record<string, string> = {},
): Promise<OidcServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const ctx = await createTestContext({ PUBLIC_URL: base, ...overrides });
  const app = await buildTestApp(ctx, [oidcRoutes, ...extra]);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    ctx,
    app,
    base,
    issuer: `${base}/oidc`,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

export const PASSWORD = 'correct horse battery staple';

export async function createPerson(ctx: TestContext, orgs: Organisation[] = []) {
  const email = `p${ctx.tag}${randomInt(1e9)}@example.cn`;
  const user = await insertUser(ctx.database.db, {
    displayName: '张测试',
    email,
    passwordHash: await hashPassword(PASSWORD),
  });
  for (const org of orgs) await addMembership(ctx.database.db, user.id, org.id, 'org_member');
  return { ...user, email };
}

export async function createPartner(
  srv: OidcServer,
  opts: Partial<RegisterClientInput> = {},
): Promise<{ clientId: string; clientSecret: string; redirectUri: string; config: oidc.Configuration }> {
  const redirectUri = opts.redirectUris?.[0] ?? `https://partner-${randomInt(1e9)}.example.cn/callback`;
  const reg = await registerClient(srv.ctx.database.db, {
    name: '合作平台',
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'organisation', 'offline_access', 'catalog:read'],
    redirectUris: [redirectUri],
    ...opts,
  });
  const config = await oidc.discovery(
    new URL(srv.issuer),
    reg.clientId,
    undefined,
    oidc.ClientSecretBasic(reg.clientSecret),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { ...reg, redirectUri, config };
}

/** A client_credentials client bound to `organisationId`, with its discovered configuration. */
export async function createMachineClient(
  srv: OidcServer,
  organisationId: string,
  scopes: string[] = ['catalog:read'],
  name = '机器客户端',
): Promise<{ reg: { clientId: string; clientSecret: string; name: string }; config: oidc.Configuration }> {
  const reg = await registerClient(srv.ctx.database.db, {
    name,
    grantTypes: ['client_credentials'],
    scopes,
    organisationId,
  });
  const config = await oidc.discovery(
    new URL(srv.issuer),
    reg.clientId,
    undefined,
    oidc.ClientSecretBasic(reg.clientSecret),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { reg, config };
}

export { createOrganisation };

/** A browser stand-in: keeps cookies per path-less host, follows nothing by itself. */
export class Browser {
  private cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects on our server; stops at the first page or a foreign location. */
  async follow(url: string, base: string, init?: RequestInit): Promise<{ url: string; res: Response }> {
    let current = url;
    let res = await this.fetch(current, init);
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      current = new URL(res.headers.get('location')!, current).href;
      if (!current.startsWith(base)) return { url: current, res };
      res = await this.fetch(current);
    }
    return { url: current, res };
  }

  async submit(pageUrl: string, html: string, action: string, fields: Record<string, string>, base: string) {
    const token = /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? '';
    return this.follow(new URL(action, pageUrl).href, base, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ form_token: token, ...fields }).toString(),
    });
  }
}

export interface AuthorizeResult {
  /** The redirect back to the partner (with code or error), if reached. */
  callback?: URL;
  /** Pages shown on the way: 'login', 'consent'. */
  pages: string[];
  lastHtml?: string;
  lastStatus?: number;
  /** The last consent page shown. */
  consentHtml?: string;
}

/** Runs an authorization request to its end, signing in and consenting when asked. */
export async function authorize(
  browser: Browser,
  srv: OidcServer,
  authUrl: string,
  person?: { email: string; password?: string },
  organisation?: string,
): Promise<AuthorizeResult> {
  const pages: string[] = [];
  let consentHtml: string | undefined;
  let step = await browser.follow(authUrl, srv.base);
  for (let i = 0; i < 4; i++) {
    if (!step.url.startsWith(srv.base)) return { callback: new URL(step.url), pages, consentHtml };
    const html = await step.res.text();
    if (html.includes('/login"') && person) {
      pages.push('login');
      const action = /action="([^"]*\/login)"/.exec(html)![1]!;
      step = await browser.submit(
        step.url,
        html,
        action,
        { email: person.email, password: person.password ?? PASSWORD },
        srv.base,
      );
    } else if (html.includes('/confirm"')) {
      pages.push('consent');
      consentHtml = html;
      const action = /action="([^"]*\/confirm)"/.exec(html)![1]!;
      step = await browser.submit(step.url, html, action, organisation ? { organisation } : {}, srv.base);
    } else {
      return { pages, lastHtml: html, lastStatus: step.res.status, consentHtml };
    }
  }
  return { pages };
}

export async function pkce() {
  const verifier = oidc.randomPKCECodeVerifier();
  return { verifier, challenge: await oidc.calculatePKCECodeChallenge(verifier) };
}
