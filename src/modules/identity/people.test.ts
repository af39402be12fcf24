import { randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { tokenFor } from '../../test/fixtures/identity.js';
import { randomResidentId } from '../../test/ids.js';
import { verifyPassword } from './passwords.js';
import { findSubCentreByCode } from './repository.js';
import { identityRoutes } from './routes.js';
import { realNameApplications, users } from './schema.js';

const fixture = useTestApp([identityRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
let registrar: TestActor;
/** Every response body of this file, searched for raw personal data at the end. */
const bodies: string[] = [];

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const sc = await findSubCentreByCode(ctx.database.db, '320100');
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sc!.id }] });
});

const email = () => `p${ctx.tag}${randomInt(1e9)}@example.com`;
const mobile = () => `139${String(randomInt(1e8)).padStart(8, '0')}`;
const raw: string[] = [];

/** app.inject, keeping every response body. */
async function inject(opts: InjectOptions): Promise<LightMyRequestResponse> {
  const res = await app.inject(opts);
  bodies.push(res.body);
  return res;
}

async function signUp(extra: Record<string, unknown> = {}): Promise<LightMyRequestResponse> {
  return inject({
    method: 'POST',
    url: '/v1/users',
    payload: { email: email(), password: 'correct horse battery', displayName: '李四', ...extra },
  });
}

describe('people', () => {
  it('signs up with an argon2id password and a protected mobile, shown masked', async () => {
    const m = mobile();
    raw.push(m);
    const res = await signUp({ mobile: `+86 ${m}` });
    expect(res.statusCode, res.body).toBe(201);
    const me = res.json();
    expect(me.mobile).toBe(`${m.slice(0, 3)}****${m.slice(7)}`);
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, me.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row!.passwordHash, 'correct horse battery')).toBe(true);
    expect(row!.mobileEnc).not.toContain(m);
    expect(row!.mobileHash).not.toContain(m);
    expect((await signUp({ mobile: m })).json().type).toBe('/problems/mobile-taken');
    expect((await signUp({ email: me.email.toUpperCase() })).json().type).toBe('/problems/email-taken');
  });

  it('refuses short passwords and malformed mobiles', async () => {
    expect((await signUp({ password: 'short' })).statusCode).toBe(400);
    expect((await signUp({ mobile: '12345' })).json().errors[0].field).toBe('body/mobile');
  });

  it('GET /v1/me and PATCH /v1/me', async () => {
    const me = (await signUp()).json();
    const headers = await tokenFor(ctx, me.id);
    expect((await inject({ url: '/v1/me' })).statusCode).toBe(401);
    const m = mobile();
    raw.push(m);
    const patched = await inject({
      method: 'PATCH',
      url: '/v1/me',
      headers,
      payload: { displayName: '王五', mobile: m },
    });
    expect(patched.json()).toMatchObject({
      displayName: '王五',
      mobile: `${m.slice(0, 3)}****${m.slice(7)}`,
    });
    const cleared = await inject({ method: 'PATCH', url: '/v1/me', headers, payload: { mobile: null } });
    expect(cleared.json().mobile).toBeNull();
  });

  it('changing the account needs account:manage; reading /v1/me does not', async () => {
    const m = mobile();
    raw.push(m);
    const me = (await signUp({ mobile: m })).json();
    // A partner granted only catalog:read holds this person's token.
    const partner = await tokenFor(ctx, me.id, undefined, ['catalog:read']);
    expect((await inject({ url: '/v1/me', headers: partner })).statusCode).toBe(200);
    const other = mobile();
    raw.push(other);
    const refused = await inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: partner,
      payload: { mobile: other },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().type).toBe('/problems/insufficient-scope');
    expect(refused.headers['www-authenticate']).toContain('scope="account:manage"');
    const realName = await inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers: partner,
      payload: { legalName: '钱七', residentId: randomResidentId() },
    });
    expect(realName.statusCode).toBe(403);
    // Nothing changed; the same person's token with the scope does change it.
    const applied = await ctx.database.db
      .select()
      .from(realNameApplications)
      .where(eq(realNameApplications.userId, me.id));
    expect(applied).toHaveLength(0);
    const before = (await inject({ url: '/v1/me', headers: partner })).json();
    expect(before.mobile).toBe(`${m.slice(0, 3)}****${m.slice(7)}`);
    const owner = await tokenFor(ctx, me.id, undefined, ['account:manage']);
    const changed = await inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: owner,
      payload: { mobile: other },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().mobile).toBe(`${other.slice(0, 3)}****${other.slice(7)}`);
  });

  it('real-name: the check digit is verified, a registrar approves, the level travels in tokens', async () => {
    const me = (await signUp()).json();
    const headers = await tokenFor(ctx, me.id);
    const id = randomResidentId();
    raw.push(id);
    const wrong = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    const refused = await inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers,
      payload: { legalName: '李四', residentId: wrong },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0]).toMatchObject({
      code: 'resident-id-check',
      position: 18,
      character: wrong[17],
    });
    expect(refused.body).not.toContain(wrong);

    const applied = await inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers,
      payload: { legalName: '李四', residentId: id },
    });
    expect(applied.statusCode, applied.body).toBe(201);
    expect(applied.json().residentId).toBe(`${id.slice(0, 6)}********${id.slice(14)}`);
    const queue = await inject({ url: '/v1/real-name-applications?limit=100', headers: registrar.headers });
    expect(queue.json().items.map((a: { id: string }) => a.id)).toContain(applied.json().id);
    expect((await inject({ url: '/v1/real-name-applications', headers })).statusCode).toBe(403);
    const byOther = await inject({
      method: 'POST',
      url: `/v1/real-name-applications/${applied.json().id}/approve`,
      headers,
      payload: { level: 'L2' },
    });
    expect(byOther.statusCode).toBe(404);
    const approved = await inject({
      method: 'POST',
      url: `/v1/real-name-applications/${applied.json().id}/approve`,
      headers: registrar.headers,
      payload: { level: 'L2' },
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const after = (await inject({ url: '/v1/me', headers })).json();
    expect(after).toMatchObject({
      realNameLevel: 'L2',
      residentId: `${id.slice(0, 6)}********${id.slice(14)}`,
    });
    const token = await ctx.identity.tokens.issueForUser(me.id, { clientId: 'x', scopes: [] });
    expect(decodeJwt(token).rn_level).toBe('L2');

    // The same ID cannot be verified for a second account.
    const other = (await signUp()).json();
    const dup = await inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers: await tokenFor(ctx, other.id),
      payload: { legalName: '李四', residentId: id },
    });
    expect(dup.json().type).toBe('/problems/resident-id-taken');
  });

  it('a registrar rejects with a reason (the valid example of DOMAIN.md is accepted)', async () => {
    const me = (await signUp()).json();
    const headers = await tokenFor(ctx, me.id);
    const id = '11010519491231002X';
    raw.push(id);
    const applied = await inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers,
      payload: { legalName: '赵六', residentId: id },
    });
    expect(applied.statusCode, applied.body).toBe(201);
    const res = await inject({
      method: 'POST',
      url: `/v1/real-name-applications/${applied.json().id}/reject`,
      headers: registrar.headers,
      payload: { reason: '姓名与证件不符' },
    });
    expect(res.json()).toMatchObject({ status: 'rejected', reason: '姓名与证件不符' });
    expect((await inject({ url: '/v1/me', headers })).json()).toMatchObject({
      residentId: null,
      realNameLevel: 'none',
    });
  });

  it('no response body ever carried a raw mobile number or resident ID', () => {
    expect(raw.length).toBeGreaterThan(3);
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) for (const value of raw) expect(body).not.toContain(value);
  });
});
