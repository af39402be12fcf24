import { and, eq, inArray } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../../platform/schema.js';
import {
  Browser,
  createPartner,
  createPerson,
  type OidcServer,
  PASSWORD,
  pkce,
  startOidcServer,
} from '../../../test/fixtures/identity-oidc.js';
import { loginThrottles } from './schema.js';
import { THROTTLE, throttleKey } from './throttle.js';

let srv: OidcServer;
beforeAll(async () => {
  srv = await startOidcServer();
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

/** Opens the login page of a fresh authorization request. */
async function loginPage(partner: Awaited<ReturnType<typeof createPartner>>) {
  const browser = new Browser();
  const { challenge } = await pkce();
  const url = oidc.buildAuthorizationUrl(partner.config, {
    redirect_uri: partner.redirectUri,
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const step = await browser.follow(url.href, srv.base);
  return { browser, url: step.url, html: await step.res.text() };
}

async function tryLogin(partner: Awaited<ReturnType<typeof createPartner>>, email: string, password: string) {
  const page = await loginPage(partner);
  const action = /action="([^"]*\/login)"/.exec(page.html)![1]!;
  const { res } = await page.browser.submit(page.url, page.html, action, { email, password }, srv.base);
  return res;
}

describe('failed sign-ins', () => {
  it('lock the account with growing delays, refuse even the right password meanwhile, and are audited', async () => {
    const person = await createPerson(srv.ctx);
    const partner = await createPartner(srv);
    const statuses: number[] = [];
    for (let i = 0; i < THROTTLE.free.account; i++)
      statuses.push((await tryLogin(partner, person.email, 'wrong password!')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);

    const locked = await tryLogin(partner, person.email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(THROTTLE.firstLockSeconds);
    expect(await locked.text()).toContain('登录失败次数过多');

    // The lock ends: one more failure locks for twice as long.
    const key = throttleKey('account', person.email);
    const db = srv.ctx.database.db;
    await db.update(loginThrottles).set({ lockedUntil: null }).where(eq(loginThrottles.key, key));
    const again = await tryLogin(partner, person.email, 'still wrong!!');
    expect(again.status).toBe(429);
    const longer = Number(again.headers.get('retry-after'));
    expect(longer).toBeGreaterThan(THROTTLE.firstLockSeconds);

    // Unlocked, the right password signs in and clears the count.
    await db.update(loginThrottles).set({ lockedUntil: null }).where(eq(loginThrottles.key, key));
    const ok = await tryLogin(partner, person.email, PASSWORD);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('/confirm"');
    expect(await db.select().from(loginThrottles).where(eq(loginThrottles.key, key))).toEqual([]);

    const events = await db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.objectId, person.id),
          inArray(auditEvents.action, ['auth.sign_in', 'auth.sign_in_failed', 'auth.sign_in_throttled']),
        ),
      );
    const count = (a: string) => events.filter((e) => e.action === a).length;
    expect(count('auth.sign_in_failed')).toBe(THROTTLE.free.account + 1);
    expect(count('auth.sign_in')).toBe(1);
  });

  it('count unknown accounts too, without revealing whether the account exists', async () => {
    const partner = await createPartner(srv);
    const res = await tryLogin(partner, `nobody-${srv.ctx.tag}@example.cn`, 'whatever-password');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('电子邮箱或密码不正确');
  });
});
