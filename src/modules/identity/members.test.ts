import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditHistory } from '../../platform/audit.js';
import { createActor, createOrganisation } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { registerViaApi, tokenFor } from '../../test/fixtures/identity.js';
import { randomCreditCode, randomResidentId } from '../../test/ids.js';
import { findSubCentreByCode } from './repository.js';
import { identityRoutes } from './routes.js';

const fixture = useTestApp([identityRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ({ ctx, app } = fixture);
});

async function person(name = '成员') {
  const email = `m${ctx.tag}${randomInt(1e9)}@example.com`;
  const res = await app.inject({
    method: 'POST',
    url: '/v1/users',
    payload: { email, password: 'a long enough password', displayName: name },
  });
  return { id: res.json().id as string, email };
}

describe('members', () => {
  it('org admins add by e-mail, change roles, remove; the last admin stays; every change is audited', async () => {
    const { org, admin, adminHeaders } = await registerViaApi(app, ctx);
    const p = await person();
    const added = await app.inject({
      method: 'POST',
      url: `/v1/organisations/${org.id}/members`,
      headers: adminHeaders,
      payload: { email: p.email.toUpperCase() },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ userId: p.id, role: 'org_member' });
    expect(added.json().email).not.toBe(p.email);
    const again = await app.inject({
      method: 'POST',
      url: `/v1/organisations/${org.id}/members`,
      headers: adminHeaders,
      payload: { email: p.email },
    });
    expect(again.statusCode).toBe(409);
    const nobody = await app.inject({
      method: 'POST',
      url: `/v1/organisations/${org.id}/members`,
      headers: adminHeaders,
      payload: { email: 'nobody@example.com' },
    });
    expect(nobody.statusCode).toBe(404);

    // A plain member reads the list but cannot manage it.
    const memberHeaders = await tokenFor(ctx, p.id, org.id);
    const list = await app.inject({
      url: `/v1/organisations/${org.id}/members?limit=1`,
      headers: memberHeaders,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    expect(list.json().nextCursor).toBeTruthy();
    const denied = await app.inject({
      method: 'DELETE',
      url: `/v1/organisations/${org.id}/members/${admin.userId}`,
      headers: memberHeaders,
    });
    expect(denied.statusCode).toBe(403);

    const lastAdmin = await app.inject({
      method: 'PATCH',
      url: `/v1/organisations/${org.id}/members/${admin.userId}`,
      headers: adminHeaders,
      payload: { role: 'org_member' },
    });
    expect(lastAdmin.json().type).toBe('/problems/last-org-admin');
    const promoted = await app.inject({
      method: 'PATCH',
      url: `/v1/organisations/${org.id}/members/${p.id}`,
      headers: adminHeaders,
      payload: { role: 'org_admin' },
    });
    expect(promoted.json().role).toBe('org_admin');
    const removed = await app.inject({
      method: 'DELETE',
      url: `/v1/organisations/${org.id}/members/${admin.userId}`,
      headers: adminHeaders,
    });
    expect(removed.statusCode).toBe(204);

    const events = await auditHistory(ctx.database.db, 'membership', `${org.id}:${p.id}`, { limit: 10 });
    expect(events.map((e) => [e.action, e.before, e.after])).toEqual([
      ['membership.role_change', { role: 'org_member' }, { role: 'org_admin' }],
      ['membership.add', null, { role: 'org_member' }],
    ]);
    expect(events[0]!.actorId).toBe(admin.userId);
  });
});

describe('platform roles and sub-centres', () => {
  it('operators assign registrars and grant roles; registrars grant technology managers only; audited', async () => {
    const operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
    const p = await person('技术经理人');
    const grant = (headers: object, payload: object) =>
      app.inject({
        method: 'POST',
        url: `/v1/users/${p.id}/roles`,
        headers: headers as Record<string, string>,
        payload,
      });
    const reg = await grant(operator.headers, { role: 'registrar', subCentreCode: '320200' });
    expect(reg.statusCode, reg.body).toBe(201);
    expect(reg.json()).toMatchObject({ role: 'registrar', subCentreCode: '320200' });
    expect((await grant(operator.headers, { role: 'registrar', subCentreCode: '320200' })).statusCode).toBe(
      409,
    );
    expect((await grant(operator.headers, { role: 'registrar' })).statusCode).toBe(400);

    const wuxi = await findSubCentreByCode(ctx.database.db, '320200');
    const registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: wuxi!.id }] });
    expect((await grant(registrar.headers, { role: 'operator' })).statusCode).toBe(403);
    expect((await grant(registrar.headers, { role: 'tech_manager' })).statusCode).toBe(400);
    const tm = await grant(registrar.headers, { role: 'tech_manager', certificateNo: 'JS-TM-2025-0001' });
    expect(tm.json()).toMatchObject({ role: 'tech_manager', certificateNo: 'JS-TM-2025-0001' });

    const me = await app.inject({ url: '/v1/me', headers: await tokenFor(ctx, p.id) });
    expect(
      me
        .json()
        .roles.map((r: { role: string }) => r.role)
        .sort(),
    ).toEqual(['registrar', 'tech_manager']);
    const token = await ctx.identity.tokens.issueForUser(p.id, { clientId: 'x', scopes: [] });
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({
      roles: expect.arrayContaining(['registrar', 'tech_manager']),
      sub_centres: [wuxi!.id],
    });

    const revoked = await app.inject({
      method: 'DELETE',
      url: `/v1/users/${p.id}/roles/${reg.json().id}`,
      headers: operator.headers,
    });
    expect(revoked.statusCode).toBe(204);
    const events = await auditHistory(ctx.database.db, 'user', p.id, { limit: 10 });
    expect(events.map((e) => e.action)).toEqual(['user.role.revoke', 'user.role.grant', 'user.role.grant']);
    expect(events[0]!.before).toMatchObject({ role: 'registrar', subCentreCode: '320200' });
  });

  it('operators create sub-centres; others may not', async () => {
    const operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
    const code = `32${String(randomInt(9000, 10_000)).padStart(4, '0')}`;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sub-centres',
      headers: operator.headers,
      payload: { code, name: '测试园区分中心' },
    });
    expect([201, 409]).toContain(res.statusCode);
    const plain = await createActor(ctx);
    const denied = await app.inject({
      method: 'POST',
      url: '/v1/sub-centres',
      headers: plain.headers,
      payload: { code, name: 'x' },
    });
    expect(denied.statusCode).toBe(403);
  });

  it('operators register partner clients; the secret is shown once', async () => {
    const operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
    const org = await createOrganisation(ctx, { verified: true });
    const payload = {
      name: '数据交易所同步',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
      organisationId: org.id,
    };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/admin/clients',
      headers: operator.headers,
      payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ name: '数据交易所同步', organisationId: org.id });
    expect(res.json().clientSecret.length).toBeGreaterThan(30);
    const admin = await createActor(ctx, {
      organisation: org,
      orgRole: 'org_admin',
      scopes: ['admin', 'identity:manage'],
    });
    expect(
      (await app.inject({ method: 'POST', url: '/v1/admin/clients', headers: admin.headers, payload }))
        .statusCode,
    ).toBe(403);
  });
});

describe('every endpoint that takes an id refuses a member of another organisation', () => {
  it('404 where existence must not leak, 403 on a verified (public) organisation', async () => {
    const registrar = await createActor(ctx, {
      roles: [{ role: 'registrar', subCentreId: (await findSubCentreByCode(ctx.database.db, '320500'))!.id }],
    });
    const { org, adminHeaders } = await registerViaApi(app, ctx);
    const member = await person();
    await app.inject({
      method: 'POST',
      url: `/v1/organisations/${org.id}/members`,
      headers: adminHeaders,
      payload: { email: member.email },
    });
    const application = await app.inject({
      method: 'POST',
      url: `/v1/organisations/${org.id}/verification`,
      headers: adminHeaders,
      payload: {
        creditCode: randomCreditCode(),
        legalRepresentative: '张三',
        licenceSha256: 'cd'.repeat(32),
      },
    });
    const realName = await app.inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers: await tokenFor(ctx, member.id, org.id),
      payload: { legalName: '成员', residentId: randomResidentId() },
    });
    expect(realName.statusCode, realName.body).toBe(201);
    const roleGrant = await app.inject({
      method: 'POST',
      url: `/v1/users/${member.id}/roles`,
      headers: registrar.headers,
      payload: { role: 'tech_manager', certificateNo: 'TM-1' },
    });

    // The admin of another organisation, with every scope.
    const other = await registerViaApi(app, ctx);
    const h = other.adminHeaders;
    const calls: [string, string, object?][] = [
      ['GET', `/v1/organisations/${org.id}`],
      ['PATCH', `/v1/organisations/${org.id}`, { name: '篡改名称' }],
      ['GET', `/v1/organisations/${org.id}/verification`],
      [
        'POST',
        `/v1/organisations/${org.id}/verification`,
        { creditCode: randomCreditCode(), legalRepresentative: 'x', licenceSha256: 'ef'.repeat(32) },
      ],
      ['GET', `/v1/organisations/${org.id}/members`],
      ['POST', `/v1/organisations/${org.id}/members`, { email: member.email }],
      ['PATCH', `/v1/organisations/${org.id}/members/${member.id}`, { role: 'org_admin' }],
      ['DELETE', `/v1/organisations/${org.id}/members/${member.id}`],
      ['POST', `/v1/verification-applications/${application.json().id}/approve`, { level: 'L1' }],
      ['POST', `/v1/verification-applications/${application.json().id}/reject`, { reason: '不通过' }],
      ['POST', `/v1/real-name-applications/${realName.json().id}/approve`, { level: 'L1' }],
      ['POST', `/v1/real-name-applications/${realName.json().id}/reject`, { reason: '不通过' }],
      ['GET', `/v1/users/${member.id}/roles`],
      ['POST', `/v1/users/${member.id}/roles`, { role: 'tech_manager', certificateNo: 'X' }],
      ['DELETE', `/v1/users/${member.id}/roles/${roleGrant.json().id}`],
    ];
    for (const [method, url, payload] of calls) {
      const res = await app.inject({ method: method as 'GET', url, headers: h, payload: payload as never });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
    }

    // Once verified, the organisation is public: reading gives the profile, changing it is 403.
    await app.inject({
      method: 'POST',
      url: `/v1/verification-applications/${application.json().id}/approve`,
      headers: registrar.headers,
      payload: { level: 'L1' },
    });
    const profile = await app.inject({ url: `/v1/organisations/${org.id}`, headers: h });
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).not.toHaveProperty('creditCode');
    for (const [method, url, payload] of calls.slice(1, 8)) {
      const res = await app.inject({ method: method as 'GET', url, headers: h, payload: payload as never });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
  });
});
