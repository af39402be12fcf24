import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createClientActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { alertRoutes } from './routes.js';
import { MAX_SAVED_SEARCHES_PER_USER } from './service.js';

/** The saved-search API: owner-only access, validation and limits, audit. */
const fixture = useTestApp([alertRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
let alice: TestActor;
let bob: TestActor; // same organisation as alice, still may not see her saved searches

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const org = await createOrganisation(ctx);
  alice = await createActor(ctx, { organisation: org });
  bob = await createActor(ctx, { organisation: org });
});

const call = (
  actor: TestActor | undefined,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) => app.inject({ method, url, headers: actor?.headers, ...(payload ? { payload } : {}) });

const valid = {
  name: '锂电池热管理',
  type: 'achievement',
  q: '锂电池 热管理',
  filters: { fieldCodes: ['05'], regionCodes: ['320100'], trlMin: 5, priceMaxFen: 100_000_000 },
};

describe('saved searches', () => {
  it('are created, read, listed, changed and deleted by their owner, with an audit trail', async () => {
    const created = await call(alice, 'POST', '/v1/saved-searches', valid);
    expect(created.statusCode, created.body).toBe(201);
    const ss = created.json();
    expect(ss).toMatchObject({
      name: valid.name,
      type: 'achievement',
      q: valid.q,
      filters: { ...valid.filters, includeNegotiable: true },
      notify: { inbox: true, webhook: false },
    });
    expect(created.headers.location).toBe(`/v1/saved-searches/${ss.id}`);

    expect((await call(alice, 'GET', `/v1/saved-searches/${ss.id}`)).json()).toEqual(ss);
    const patched = await call(alice, 'PATCH', `/v1/saved-searches/${ss.id}`, {
      q: '动力电池',
      filters: { trlMin: 7 },
      notify: { webhook: true },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      q: '动力电池',
      filters: { trlMin: 7 },
      notify: { webhook: true },
    });
    expect(patched.json().filters).not.toHaveProperty('fieldCodes');
    expect((await call(alice, 'GET', `/v1/saved-searches/${ss.id}/alerts`)).json()).toEqual({
      items: [],
      nextCursor: null,
    });

    expect((await call(alice, 'DELETE', `/v1/saved-searches/${ss.id}`)).statusCode).toBe(204);
    expect((await call(alice, 'GET', `/v1/saved-searches/${ss.id}`)).statusCode).toBe(404);
    const trail = await ctx.database.db
      .select({ action: auditEvents.action, actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(and(eq(auditEvents.objectType, 'saved_search'), eq(auditEvents.objectId, ss.id)));
    expect(trail.map((t) => t.action).sort()).toEqual([
      'saved-search.create',
      'saved-search.delete',
      'saved-search.update',
    ]);
    expect(trail.every((t) => t.actorId === alice.userId)).toBe(true);
  });

  it('are invisible to everyone else (404), even a colleague, and listed only for their owner', async () => {
    const ss = (await call(alice, 'POST', '/v1/saved-searches', valid)).json();
    for (const [method, url, body] of [
      ['GET', `/v1/saved-searches/${ss.id}`],
      ['PATCH', `/v1/saved-searches/${ss.id}`, { name: '改名' }],
      ['DELETE', `/v1/saved-searches/${ss.id}`],
      ['GET', `/v1/saved-searches/${ss.id}/alerts`],
    ] as const) {
      const res = await call(bob, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await call(bob, 'GET', '/v1/saved-searches')).json().items).toEqual([]);
    expect((await call(alice, 'GET', `/v1/saved-searches/${ss.id}`)).json().name).toBe(valid.name);
    expect((await call(undefined, 'GET', '/v1/saved-searches')).statusCode).toBe(401);
  });

  it('are refused when malformed (400), meaningless (422) or for a machine client (403)', async () => {
    const bad = [
      { ...valid, type: 'expert' },
      { ...valid, name: '' },
      { ...valid, q: 'x'.repeat(201) },
      { ...valid, filters: { trlMin: 10 } },
      { ...valid, filters: { regionCodes: ['32'] } },
      { ...valid, filters: { fieldCodes: Array.from({ length: 10 }, (_, i) => `0${i}`) } },
      { ...valid, filters: { organisationId: alice.organisationId } },
      { ...valid, notify: { inbox: false } },
    ];
    for (const body of bad) {
      const res = await call(alice, 'POST', '/v1/saved-searches', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const meaningless = [
      { name: '空', type: 'achievement', q: '  ' },
      { ...valid, filters: { trlMin: 8, trlMax: 3 } },
      { ...valid, filters: { priceMinFen: 5, priceMaxFen: 1 } },
    ];
    for (const body of meaningless) {
      const res = await call(alice, 'POST', '/v1/saved-searches', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().type).toBe('/problems/saved-search-invalid');
    }
    const loner = await createActor(ctx);
    const noOrg = await call(loner, 'POST', '/v1/saved-searches', { ...valid, notify: { webhook: true } });
    expect(noOrg.statusCode).toBe(422);
    expect(noOrg.json().errors[0].field).toBe('body/notify/webhook');
    const lonely = (await call(loner, 'POST', '/v1/saved-searches', valid)).json();
    const later = await call(loner, 'PATCH', `/v1/saved-searches/${lonely.id}`, {
      notify: { webhook: true },
    });
    expect(later.statusCode).toBe(422);

    const client = await createClientActor(ctx, await createOrganisation(ctx), ['matching:read']);
    expect((await call(client, 'POST', '/v1/saved-searches', valid)).statusCode).toBe(403);
    expect((await call(client, 'GET', '/v1/saved-searches')).json()).toEqual({ items: [], nextCursor: null });
    const noScope = await createActor(ctx, { scopes: ['catalog:read'] });
    expect((await call(noScope, 'POST', '/v1/saved-searches', valid)).statusCode).toBe(403);
  });

  it(`are limited to ${MAX_SAVED_SEARCHES_PER_USER} per person (409), and paged`, async () => {
    const carol = await createActor(ctx, { organisation: await createOrganisation(ctx) });
    const results = await Promise.all(
      Array.from({ length: MAX_SAVED_SEARCHES_PER_USER + 2 }, (_, i) =>
        call(carol, 'POST', '/v1/saved-searches', { ...valid, name: `订阅${i}` }),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(MAX_SAVED_SEARCHES_PER_USER);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(2);
    expect(refused[0]!.json().type).toBe('/problems/saved-search-limit');

    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await call(carol, 'GET', `/v1/saved-searches?limit=20${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      for (const item of page.items) seen.add(item.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(MAX_SAVED_SEARCHES_PER_USER);
  });
});
