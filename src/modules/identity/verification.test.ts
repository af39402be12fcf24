import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditHistory } from '../../platform/audit.js';
import { createActor, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { registerViaApi, withWrongCheck } from '../../test/fixtures/identity.js';
import { randomCreditCode } from '../../test/ids.js';
import { findSubCentreByCode, type SubCentre } from './repository.js';
import { identityRoutes } from './routes.js';

const fixture = useTestApp([identityRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
let suzhou: SubCentre;
let registrar: TestActor;
let otherRegistrar: TestActor;
const LICENCE = 'ab'.repeat(32);

beforeAll(async () => {
  ({ ctx, app } = fixture);
  suzhou = (await findSubCentreByCode(ctx.database.db, '320500'))!;
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: suzhou.id }] });
  otherRegistrar = await createActor(ctx, {
    roles: [{ role: 'registrar', subCentreId: (await createSubCentre(ctx)).id }],
  });
});

const apply = (orgId: string, headers: object, creditCode: string) =>
  app.inject({
    method: 'POST',
    url: `/v1/organisations/${orgId}/verification`,
    headers: headers as Record<string, string>,
    payload: { creditCode, legalRepresentative: '张三', licenceSha256: LICENCE },
  });
const decide = (id: string, what: 'approve' | 'reject', headers: object, payload: object) =>
  app.inject({
    method: 'POST',
    url: `/v1/verification-applications/${id}/${what}`,
    headers: headers as Record<string, string>,
    payload,
  });

describe('one-time verification (一次认证)', () => {
  it('the sub-centres of Jiangsu are seeded by a migration', async () => {
    const res = await app.inject('/v1/sub-centres?limit=100');
    const codes = res.json().items.map((s: { code: string }) => s.code);
    for (const c of ['320100', '320500', '321300']) expect(codes).toContain(c);
    expect(res.json().items.find((s: { code: string }) => s.code === '320100').name).toBe('南京分中心');
  });

  it('accepts the valid examples of DOMAIN.md and refuses structural errors', async () => {
    for (const code of ['91350100M000100Y43', '91110108551385082Q']) {
      const { org, adminHeaders } = await registerViaApi(app, ctx);
      const res = await apply(org.id, adminHeaders, code);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ status: 'pending', creditCode: code, creditCodeCheckFailed: false });
    }
    const { org, adminHeaders } = await registerViaApi(app, ctx);
    const res = await apply(org.id, adminHeaders, '91350100M00010OY43');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ position: 15, character: 'O' });
  });

  it('apply → pending; the right registrar approves with a level; the next token carries it', async () => {
    const code = randomCreditCode();
    const { org, admin, adminHeaders } = await registerViaApi(app, ctx, { creditCode: code });
    const applied = await apply(org.id, adminHeaders, code);
    expect(applied.statusCode).toBe(201);
    const appId = applied.json().id;
    expect(
      (await app.inject({ url: `/v1/organisations/${org.id}`, headers: adminHeaders })).json()
        .verificationStatus,
    ).toBe('pending');
    expect((await apply(org.id, adminHeaders, code)).statusCode).toBe(409);

    const queue = await app.inject({
      url: '/v1/verification-applications?limit=100',
      headers: registrar.headers,
    });
    expect(queue.json().items.map((a: { id: string }) => a.id)).toContain(appId);
    const otherQueue = await app.inject({
      url: '/v1/verification-applications?limit=100',
      headers: otherRegistrar.headers,
    });
    expect(otherQueue.json().items.map((a: { id: string }) => a.id)).not.toContain(appId);
    expect(
      (await app.inject({ url: '/v1/verification-applications', headers: adminHeaders })).statusCode,
    ).toBe(403);

    expect((await decide(appId, 'approve', otherRegistrar.headers, { level: 'L2' })).statusCode).toBe(403);
    expect((await decide(appId, 'approve', adminHeaders, { level: 'L2' })).statusCode).toBe(404);
    const approved = await decide(appId, 'approve', registrar.headers, { level: 'L2' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', level: 'L2' });
    expect((await decide(appId, 'reject', registrar.headers, { reason: '再来一次' })).statusCode).toBe(409);

    const token = await ctx.identity.tokens.issueForUser(admin.userId, {
      clientId: 'x',
      organisationId: org.id,
      scopes: [],
    });
    expect(decodeJwt(token)).toMatchObject({ org: org.id, org_verified: true, org_level: 'L2' });
    const orgNow = await app.inject({ url: `/v1/organisations/${org.id}` });
    expect(orgNow.json()).toMatchObject({ verificationStatus: 'verified', verificationLevel: 'L2' });
    expect((await apply(org.id, adminHeaders, code)).json().type).toBe('/problems/already-verified');

    // A key fact changes: back to verification, and the next token says so.
    const renamed = await app.inject({
      method: 'PATCH',
      url: `/v1/organisations/${org.id}`,
      headers: adminHeaders,
      payload: { name: `${org.name}（更名）` },
    });
    expect(renamed.json()).toMatchObject({ verificationStatus: 'unverified', verificationLevel: null });
    const after = await ctx.identity.tokens.issueForUser(admin.userId, {
      clientId: 'x',
      organisationId: org.id,
      scopes: [],
    });
    expect(decodeJwt(after).org_verified).toBe(false);
    expect(decodeJwt(after).org_level).toBeUndefined();
    const history = await auditHistory(ctx.database.db, 'organisation', org.id, { limit: 10 });
    expect(history.map((h) => h.action)).toContain('organisation.update.verification_reset');
  });

  it('a change that is not a key fact keeps the verification; a new credit code resets it', async () => {
    const code = randomCreditCode();
    const { org, adminHeaders } = await registerViaApi(app, ctx, { creditCode: code });
    const id = (await apply(org.id, adminHeaders, code)).json().id;
    await decide(id, 'approve', registrar.headers, { level: 'L1' });
    const patch = (payload: object) =>
      app.inject({ method: 'PATCH', url: `/v1/organisations/${org.id}`, headers: adminHeaders, payload });
    expect((await patch({ partyNature: '150', name: org.name })).json().verificationStatus).toBe('verified');
    expect((await patch({ creditCode: withWrongCheck(randomCreditCode()) })).statusCode).toBe(400);
    expect((await patch({ creditCode: randomCreditCode() })).json().verificationStatus).toBe('unverified');
  });

  it('a key-fact change supersedes a pending application', async () => {
    const { org, adminHeaders } = await registerViaApi(app, ctx);
    const id = (await apply(org.id, adminHeaders, randomCreditCode())).json().id;
    await app.inject({
      method: 'PATCH',
      url: `/v1/organisations/${org.id}`,
      headers: adminHeaders,
      payload: { name: '新名称有限公司' },
    });
    const res = await app.inject({ url: `/v1/organisations/${org.id}/verification`, headers: adminHeaders });
    expect(res.json()).toMatchObject({ id, status: 'superseded' });
    expect((await decide(id, 'approve', registrar.headers, { level: 'L1' })).statusCode).toBe(409);
  });

  it('rejects with a reason; the organisation may apply again', async () => {
    const { org, adminHeaders } = await registerViaApi(app, ctx);
    const id = (await apply(org.id, adminHeaders, randomCreditCode())).json().id;
    const rejected = await decide(id, 'reject', registrar.headers, { reason: '营业执照不清晰' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', reason: '营业执照不清晰' });
    expect(
      (await app.inject({ url: `/v1/organisations/${org.id}`, headers: adminHeaders })).json()
        .verificationStatus,
    ).toBe('rejected');
    expect((await apply(org.id, adminHeaders, randomCreditCode())).statusCode).toBe(201);
  });

  it('a code failing its check is approved only with a recorded, audited reason', async () => {
    const bad = withWrongCheck(randomCreditCode());
    const { org, adminHeaders } = await registerViaApi(app, ctx);
    const applied = await apply(org.id, adminHeaders, bad);
    expect(applied.json()).toMatchObject({ creditCodeCheckFailed: true, creditCode: bad });
    const noReason = await decide(applied.json().id, 'approve', registrar.headers, { level: 'L1' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().type).toBe('/problems/credit-code-override-reason-required');
    const ok = await decide(applied.json().id, 'approve', registrar.headers, {
      level: 'L1',
      creditCodeOverrideReason: '1998 年颁发的代码，校验位由发证机关确认有误',
    });
    expect(ok.statusCode).toBe(200);
    const full = await app.inject({ url: `/v1/organisations/${org.id}`, headers: adminHeaders });
    expect(full.json()).toMatchObject({ creditCode: bad, verificationStatus: 'verified' });
    expect(full.json().creditCodeOverride).toMatchObject({
      reason: expect.stringContaining('校验位'),
      registrarId: registrar.userId,
    });
    const history = await auditHistory(ctx.database.db, 'organisation', org.id, { limit: 10 });
    const override = history.find((h) => h.action === 'organisation.credit_code_override');
    expect(override?.actorId).toBe(registrar.userId);
    expect(override?.after).toMatchObject({ creditCodeOverride: { code: bad } });
  });

  it('only organisation admins apply; outsiders get 404, members 403', async () => {
    const { org } = await registerViaApi(app, ctx);
    const outsider = await createActor(ctx);
    expect((await apply(org.id, outsider.headers, randomCreditCode())).statusCode).toBe(404);
    expect(
      (await app.inject({ url: `/v1/organisations/${org.id}/verification`, headers: outsider.headers }))
        .statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ url: `/v1/organisations/${org.id}/verification`, headers: otherRegistrar.headers }))
        .statusCode,
    ).toBe(404);
  });
});
