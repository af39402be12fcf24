import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrganisation,
  createPartner,
  createPerson,
  type OidcServer,
  PASSWORD,
  pkce,
  startOidcServer,
} from '../../../test/fixtures/identity-oidc.js';
import { freePort } from '../../../test/ports.js';

/**
 * The login and consent pages in a real browser (Debian's chromium, driven by playwright-core):
 * the pages work under their CSP with no script, and the redirect back to the partner is not
 * blocked by form-action.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(`[skip] ${CHROMIUM} not found: install Debian's chromium package to run the browser test`);

let srv: OidcServer;
let browser: Browser;
let partnerSite: Server;
let partnerBase: string;
beforeAll(async () => {
  if (!available) return;
  srv = await startOidcServer();
  // The partner platform: just a page at its redirect URI.
  const port = await freePort();
  partnerBase = `http://localhost:${port}`;
  partnerSite = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><title>partner</title><p>已返回合作平台</p>');
  });
  await new Promise<void>((resolve) => partnerSite.listen(port, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (partnerSite ? partnerSite.close(resolve) : resolve(undefined)));
  await srv?.close();
});

describe.skipIf(!available)('the login page in headless Chromium', () => {
  it('signs in with e-mail and password, chooses the organisation, consents, returns a code', async () => {
    const orgA = await createOrganisation(srv.ctx, { name: `甲机构-${srv.ctx.tag}` });
    const orgB = await createOrganisation(srv.ctx, { name: `乙机构-${srv.ctx.tag}`, verified: true });
    const person = await createPerson(srv.ctx, [orgA, orgB]);
    const partner = await createPartner(srv, { redirectUris: [`${partnerBase}/callback`] });
    const { verifier, challenge } = await pkce();
    const url = oidc.buildAuthorizationUrl(partner.config, {
      redirect_uri: partner.redirectUri,
      scope: 'openid profile organisation catalog:read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
    });

    const page = await browser.newPage({ locale: 'zh-CN' });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(url.href);
    expect(await page.locator('h1').textContent()).toContain('登录');

    await page.fill('#email', person.email);
    await page.fill('#password', 'wrong password!!');
    await page.click('button[type=submit] >> text=登录');
    expect(await page.locator('.error').textContent()).toContain('电子邮箱或密码不正确');

    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit] >> text=登录');
    await page.waitForSelector('#organisation');
    expect(await page.locator('body').textContent()).toContain('读取成果、需求、专家、机构');
    await page.selectOption('#organisation', orgB.id);
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(partnerBase)),
      page.click('text=同意并继续'),
    ]);
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe('st-1');
    expect(violations).toEqual([]);

    const tokens = await oidc.authorizationCodeGrant(partner.config, back, {
      pkceCodeVerifier: verifier,
      expectedState: 'st-1',
    });
    expect(tokens.claims()).toMatchObject({ sub: person.id, org: orgB.id, org_verified: true });
    await page.close();
  }, 60_000);
});
