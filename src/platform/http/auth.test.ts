import type { FastifyInstance } from 'fastify';
import { generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createClientActor, createOrganisation } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';

let ctx: TestContext;
let app: FastifyInstance;

const fixture = useTestApp([
  async (scope) => {
    scope.get(
      '/test/me',
      { config: { auth: { required: true, scopes: ['catalog:read'] } } },
      async (req) => ({
        id: req.principal?.id,
        kind: req.principal?.kind,
        org: req.principal?.organisationId,
        verified: req.principal?.orgVerified,
      }),
    );
    scope.get('/test/open', { config: { auth: { required: false, scopes: [] } } }, async (req) => ({
      signedIn: !!req.principal,
    }));
  },
]);
beforeAll(async () => {
  ({ ctx, app } = fixture);
});

describe('bearer authentication', () => {
  it('refuses a protected route without a token, with a WWW-Authenticate challenge', async () => {
    const res = await app.inject('/test/me');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json().type).toBe('/problems/unauthorized');
  });

  it('accepts a token from the exchange and exposes the verified organisation', async () => {
    const org = await createOrganisation(ctx, { verified: true });
    const actor = await createActor(ctx, { organisation: org });
    const res = await app.inject({ url: '/test/me', headers: actor.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: actor.userId, kind: 'user', org: org.id, verified: true });
  });

  it('identifies machine clients bound to an organisation', async () => {
    const org = await createOrganisation(ctx);
    const client = await createClientActor(ctx, org, ['catalog:read']);
    const res = await app.inject({ url: '/test/me', headers: client.headers });
    expect(res.json()).toMatchObject({ kind: 'client', org: org.id, verified: false });
  });

  it('refuses a token without the scope the route needs (403)', async () => {
    const client = await createClientActor(ctx, undefined, ['matching:read']);
    const res = await app.inject({ url: '/test/me', headers: client.headers });
    expect(res.statusCode).toBe(403);
    expect(res.json().type).toBe('/problems/insufficient-scope');
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('refuses tampered, foreign-signed, expired and malformed tokens, even on open routes', async () => {
    const actor = await createActor(ctx);
    const [h, p, s] = actor.token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...payload, roles: ['operator'] })).toString(
      'base64url',
    );
    const foreign = await generateKeyPair('RS256');
    const foreignToken = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(h!, 'base64url').toString()).kid })
      .sign(foreign.privateKey);
    const key = await ctx.identity.keys.active();
    const expired = await new SignJWT({ ...payload, exp: Math.floor(Date.now() / 1000) - 60 })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .sign(key.privateKey);
    for (const token of [`${h}.${forgedPayload}.${s}`, foreignToken, expired, 'not-a-jwt-at-all']) {
      const res = await app.inject({ url: '/test/open', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, token.slice(0, 20)).toBe(401);
      expect(res.json().type).toBe('/problems/invalid-token');
    }
    expect(
      (await app.inject({ url: '/test/open', headers: { authorization: 'Basic abc' } })).statusCode,
    ).toBe(401);
    expect((await app.inject('/test/open')).json()).toEqual({ signedIn: false });
  });

  it('keeps accepting tokens of a rotated key while it is still published', async () => {
    const actor = await createActor(ctx);
    const before = await ctx.identity.keys.active();
    const newKid = await ctx.identity.keys.rotate(3600);
    expect(newKid).not.toBe(before.kid);
    const jwks = await ctx.identity.keys.publicJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before.kid, newKid]));
    expect(jwks.keys.every((k) => !('d' in k))).toBe(true);
    expect((await app.inject({ url: '/test/me', headers: actor.headers })).statusCode).toBe(200);
    const fresh = await createActor(ctx);
    expect(JSON.parse(Buffer.from(fresh.token.split('.')[0]!, 'base64url').toString()).kid).toBe(newKid);
    expect((await app.inject({ url: '/test/me', headers: fresh.headers })).statusCode).toBe(200);
  });
});
