// Operators edit the synonym thesaurus over the API; it is stored, audited and used by search at once.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createClientActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { createSearchEngine } from './create-engine.js';
import type { SearchEngine } from './engine.js';
import { searchEngineFor } from './engine-instance.js';
import { synonymRoutes } from './synonym-routes.js';
import { loadDefaultThesaurus } from './synonyms.js';

// A search namespace of this file's own (the engine's is the queue prefix): replacing the
// thesaurus must not change what other files' searches expand to.
const namespace = `syn${randomBytes(4).toString('hex')}`;
let ctx: TestContext;
let app: FastifyInstance;
let engine: SearchEngine;
let operator: TestActor;
let member: TestActor;

const fixture = useTestApp([synonymRoutes], { env: { QUEUE_PREFIX: namespace } });
beforeAll(async () => {
  ({ ctx, app } = fixture);
  engine = await searchEngineFor(ctx);
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
  member = await createActor(ctx, { organisation: await createOrganisation(ctx) });
});
afterAll(async () => {
  await engine?.reset();
});

const put = (actor: TestActor | undefined, payload: unknown) =>
  app.inject({
    method: 'PUT',
    url: '/v1/admin/synonyms',
    headers: { ...(actor?.headers ?? {}), 'accept-language': 'en' },
    payload: payload as object,
  });

describe('synonym thesaurus API', () => {
  it('serves the shipped thesaurus to operators until one is stored', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/admin/synonyms', headers: operator.headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ source: 'shipped', updatedAt: null });
    expect(res.json().groups).toHaveLength(loadDefaultThesaurus().groups().length);
  });

  it('refuses everyone but operators', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/admin/synonyms' })).statusCode).toBe(401);
    expect((await put(undefined, { groups: [] })).statusCode).toBe(401);
    // a member without the admin scope, and one with it but not an operator
    expect(
      (await app.inject({ method: 'GET', url: '/v1/admin/synonyms', headers: member.headers })).statusCode,
    ).toBe(403);
    const scoped = await createActor(ctx, { scopes: ['admin'] });
    expect((await put(scoped, { groups: [] })).statusCode).toBe(403);
    const client = await createClientActor(ctx, undefined, ['admin']);
    expect((await put(client, { groups: [] })).statusCode).toBe(403);
  });

  it('rejects invalid groups with field errors', async () => {
    const fieldsOf = async (groups: unknown) => {
      const res = await put(operator, { groups });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      return (res.json().errors as { field: string }[]).map((e) => e.field);
    };
    // by the contract's schema
    expect(await fieldsOf([{ terms: ['锂电池', '锂电'] }, { terms: ['仅一个'] }])).toEqual([
      'body/groups/1/terms',
    ]);
    // by the thesaurus rules: the same term once normalised (full-width, case), duplicate ids
    expect(
      await fieldsOf([
        { id: 'a', terms: ['锂电池', '锂电'] },
        { id: 'a', terms: ['AGV', 'ａｇｖ'] },
      ]),
    ).toEqual(['body/groups/1/id', 'body/groups/1/terms/1']);
    // nothing stored
    const now = await app.inject({ method: 'GET', url: '/v1/admin/synonyms', headers: operator.headers });
    expect(now.json().source).toBe('shipped');
  });

  it('stores a replacement, audits it and makes a newly synonymous query find a document', async () => {
    const word = `zorb${ctx.tag}`;
    const other = `quix${ctx.tag}`;
    await engine.upsert([
      {
        id: `doc-${ctx.tag}`,
        type: 'achievement',
        title: `${other} 检测装置`,
        status: 'published',
        updatedAt: new Date(),
      },
    ]);
    const find = async (on: SearchEngine) =>
      (await on.search({ type: 'achievement', q: word })).hits.map((h) => h.id);
    expect(await find(engine)).toEqual([]);

    const res = await put(operator, { groups: [{ id: 'probe', terms: [word.toUpperCase(), other] }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ source: 'stored', groups: [{ id: 'probe', terms: [word, other] }] });
    expect(await find(engine)).toEqual([`doc-${ctx.tag}`]);

    const got = await app.inject({ method: 'GET', url: '/v1/admin/synonyms', headers: operator.headers });
    expect(got.json()).toMatchObject({ source: 'stored', groups: [{ id: 'probe', terms: [word, other] }] });

    const [audit] = await ctx.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'synonyms.replaced'), eq(auditEvents.objectId, namespace)));
    expect(audit).toMatchObject({ actorId: operator.userId, after: { groups: 1, terms: 2 } });
    expect(audit!.before).toMatchObject({
      groups: loadDefaultThesaurus().groups().length,
      source: 'shipped',
    });

    // a process started later (a new engine on the same namespace) uses the stored thesaurus
    const later = createSearchEngine(ctx.config, ctx.database);
    await later.ensureSetup();
    expect(await find(later)).toEqual([`doc-${ctx.tag}`]);
  });
});
