import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, createSubCentre } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { registerViaApi, tokenFor, withWrongCheck } from '../../test/fixtures/identity.js';
import { randomCreditCode } from '../../test/ids.js';
import { identityRoutes } from './routes.js';

const fixture = useTestApp([identityRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ({ ctx, app } = fixture);
});

describe('organisation registration and the credit code check character', () => {
  it('registers with a valid code; the caller becomes org_admin and the sub-centre follows the city', async () => {
    const code = randomCreditCode();
    const { org, admin } = await registerViaApi(app, ctx, {
      creditCode: code.toLowerCase(),
      partyNature: '100',
    });
    expect(org).toMatchObject({ creditCode: code, verificationStatus: 'unverified', regionCode: '320505' });
    expect((org.subCentre as { code: string }).code).toBe('320500');
    const me = await app.inject({ url: '/v1/me', headers: await tokenFor(ctx, admin.userId) });
    expect(me.json().memberships).toEqual([
      expect.objectContaining({
        organisationId: org.id,
        role: 'org_admin',
        verificationStatus: 'unverified',
      }),
    ]);
  });

  it('accepts full-width input, normalised', async () => {
    const code = randomCreditCode();
    const fullWidth = [...code].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    const { org } = await registerViaApi(app, ctx, { creditCode: fullWidth });
    expect(org.creditCode).toBe(code);
  });

  it('refuses a wrong check character, naming position 18, the character and the expected one', async () => {
    const actor = await createActor(ctx);
    const bad = withWrongCheck(randomCreditCode());
    const res = await app.inject({
      method: 'POST',
      url: '/v1/organisations',
      headers: { ...actor.headers, 'accept-language': 'en' },
      payload: { type: 'enterprise', name: '校验位错误的企业', regionCode: '320500', creditCode: bad },
    });
    expect(res.statusCode).toBe(400);
    const [err] = res.json().errors;
    expect(err).toMatchObject({
      field: 'body/creditCode',
      code: 'credit-code-check',
      position: 18,
      character: bad[17],
    });
    expect(err.message).toContain(`"${bad[17]}"`);
    expect(err.message).toContain('18');
  });

  it('refuses a character outside the alphabet at its position (zh-CN message)', async () => {
    const actor = await createActor(ctx);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/organisations',
      headers: actor.headers,
      payload: {
        type: 'enterprise',
        name: '非法字符企业',
        regionCode: '320500',
        creditCode: '91350100M0001I0Y43',
      },
    });
    expect(res.statusCode).toBe(400);
    const [err] = res.json().errors;
    expect(err).toMatchObject({ code: 'credit-code-character', position: 14, character: 'I' });
    expect(err.message).toBe('第 14 位字符「I」不允许');
  });

  it('refuses an unknown sub-centre, region or party nature code', async () => {
    const actor = await createActor(ctx);
    for (const extra of [{ subCentreCode: '999999' }, { regionCode: '990000' }, { partyNature: '999' }]) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/organisations',
        headers: actor.headers,
        payload: { type: 'enterprise', name: '参数错误企业', regionCode: '320500', ...extra },
      });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
    }
  });

  it('refuses a second organisation with the same code (409)', async () => {
    const code = randomCreditCode();
    await registerViaApi(app, ctx, { creditCode: code });
    const actor = await createActor(ctx);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/organisations',
      headers: actor.headers,
      payload: { type: 'enterprise', name: '重复代码企业', regionCode: '320500', creditCode: code },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toBe('/problems/credit-code-taken');
  });
});

describe('reading and listing organisations', () => {
  it('members see every field; outsiders the public profile of a verified organisation', async () => {
    const verified = await createOrganisation(ctx, { verified: true, creditCode: randomCreditCode() });
    const member = await createActor(ctx, { organisation: verified });
    const outsider = await createActor(ctx, { organisation: await createOrganisation(ctx) });
    const full = await app.inject({ url: `/v1/organisations/${verified.id}`, headers: member.headers });
    expect(full.json()).toHaveProperty('creditCode', verified.creditCode);
    for (const headers of [outsider.headers, undefined]) {
      const pub = await app.inject({ url: `/v1/organisations/${verified.id}`, headers });
      expect(pub.statusCode).toBe(200);
      expect(Object.keys(pub.json()).sort()).toEqual(
        ['id', 'name', 'regionCode', 'type', 'verificationLevel', 'verificationStatus', 'verifiedAt'].sort(),
      );
    }
  });

  it('an unverified organisation is 404 to outsiders, visible to its registrar and operators', async () => {
    const sc = await createSubCentre(ctx);
    const org = await createOrganisation(ctx, { subCentre: sc });
    const outsider = await createActor(ctx, {
      organisation: await createOrganisation(ctx, { verified: true }),
    });
    expect(
      (await app.inject({ url: `/v1/organisations/${org.id}`, headers: outsider.headers })).statusCode,
    ).toBe(404);
    expect((await app.inject({ url: `/v1/organisations/${org.id}` })).statusCode).toBe(404);
    const registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sc.id }] });
    const operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
    for (const a of [registrar, operator]) {
      const res = await app.inject({ url: `/v1/organisations/${org.id}`, headers: a.headers });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toHaveProperty('subCentre');
    }
  });

  it('lists by role: outsiders verified only, registrars their sub-centre, operators all; cursor-paginated', async () => {
    const sc = await createSubCentre(ctx);
    const verified = await createOrganisation(ctx, { subCentre: sc, verified: true });
    const unverified = await createOrganisation(ctx, { subCentre: sc });
    const ids = async (headers?: Record<string, string>) => {
      const res = await app.inject({ url: `/v1/organisations?subCentreCode=${sc.code}`, headers });
      expect(res.statusCode).toBe(200);
      return res.json().items.map((o: { id: string }) => o.id);
    };
    expect(await ids()).toEqual([verified.id]);
    const outsider = await createActor(ctx, { organisation: await createOrganisation(ctx) });
    expect(await ids(outsider.headers)).toEqual([verified.id]);
    const registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sc.id }] });
    expect(await ids(registrar.headers)).toEqual([verified.id, unverified.id].sort());
    const operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
    const first = await app.inject({
      url: `/v1/organisations?subCentreCode=${sc.code}&limit=1`,
      headers: operator.headers,
    });
    expect(first.json().items).toHaveLength(1);
    const next = await app.inject({
      url: `/v1/organisations?subCentreCode=${sc.code}&limit=1&cursor=${first.json().nextCursor}`,
      headers: operator.headers,
    });
    expect(next.json().items).toHaveLength(1);
    expect(next.json().nextCursor).toBeNull();
    expect([first.json().items[0].id, next.json().items[0].id].sort()).toEqual(
      [verified.id, unverified.id].sort(),
    );
  });

  it('filters by name, type and status', async () => {
    const sc = await createSubCentre(ctx);
    const org = await createOrganisation(ctx, {
      subCentre: sc,
      verified: true,
      name: `苏州纳米%所-${ctx.tag}`,
      type: 'institute',
    });
    const res = await app.inject({
      url: `/v1/organisations?q=${encodeURIComponent(`纳米%所-${ctx.tag}`)}&type=institute&verificationStatus=verified`,
    });
    expect(res.json().items.map((o: { id: string }) => o.id)).toEqual([org.id]);
    const none = await app.inject({ url: `/v1/organisations?q=${encodeURIComponent(`纳米_所-${ctx.tag}`)}` });
    expect(none.json().items).toEqual([]);
  });
});
