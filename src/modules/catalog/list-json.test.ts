import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticationPlugin } from '../../platform/http/auth.js';
import { componentSchemas } from '../../platform/openapi.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import type { Organisation } from '../identity/repository.js';
import { upsertBatch } from './batch.js';
import type { CatalogDeps } from './listings.js';
import { catalogModule } from './module.js';
import { type ListQuery, listListings } from './queries.js';
import { SYSTEM } from './views.js';

let ctx: TestContext;
let app: FastifyInstance;
let deps: CatalogDeps;
let uni: Organisation;
let owner: TestActor;
let ids: string[];
/** The page `listListings` gives, serialised by a plain route with the page's response schema. */
let reference: FastifyInstance;
let referenceQuery: ListQuery = {};
type Item = { id: string; trl: number };

const fixture = useTestApp([catalogModule.routes!]);
beforeAll(async () => {
  ({ ctx, app } = fixture);
  deps = { db: ctx.database.db, outbox: ctx.outbox, cursors: ctx.cursors };
  uni = await createOrganisation(ctx, { type: 'university', verified: true });
  owner = await createActor(ctx, { organisation: uni });
  const stamp = Date.now() % 1e8;
  const items = Array.from({ length: 5 }, (_, k) => achievementFixture(stamp + k, { trl: k + 3 }));
  const base = {
    kind: 'achievement',
    organisationId: uni.id,
    subCentreId: null,
    actor: SYSTEM,
    lang: 'en',
  } as const;
  ids = (await upsertBatch(ctx.database.db, items, { ...base, publish: true })).map((r) => r.id!);
  await upsertBatch(ctx.database.db, [achievementFixture(stamp + 99)], base); // a draft
  reference = Fastify();
  for (const s of componentSchemas()) reference.addSchema(s);
  await reference.register(authenticationPlugin, { authenticator: ctx.authenticator });
  reference.get('/page', { schema: { response: { 200: { $ref: 'AchievementPage#' } } } }, (req) =>
    listListings(deps, req.principal, 'achievement', referenceQuery),
  );
});
afterAll(async () => {
  await reference?.close();
});

async function list(q: Record<string, string>, actor?: TestActor): Promise<string> {
  const res = await app.inject({
    url: `/v1/achievements?${new URLSearchParams({ organisationId: uni.id, ...q })}`,
    headers: actor?.headers ?? {},
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return res.body;
}

async function expected(q: ListQuery, p?: TestActor): Promise<string> {
  referenceQuery = { organisationId: uni.id, ...q };
  return (await reference.inject({ url: '/page', headers: p?.headers ?? {} })).body;
}

describe('list pages rendered from their cache', () => {
  it('are the exact text the response schema makes of the page, cold and warm, on every page', async () => {
    const first = await list({ limit: '3' });
    expect(first).toBe(await expected({ limit: 3 }));
    expect(await list({ limit: '3' })).toBe(first);
    const cursor = JSON.parse(first).nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await list({ limit: '3', cursor });
    expect(second).toBe(await expected({ limit: 3, cursor }));
    expect(JSON.parse(second).nextCursor).toBeNull();
    expect([...JSON.parse(first).items, ...JSON.parse(second).items].map((i) => i.id).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('still apply filters, sorting and visibility: the owner also sees its draft, masked the same', async () => {
    const byTrl = await list({ trlMin: '4', trlMax: '6', sort: 'trl' });
    expect(byTrl).toBe(await expected({ trlMin: 4, trlMax: 6, sort: 'trl' }));
    expect(JSON.parse(byTrl).items.map((i: { trl: number }) => i.trl)).toEqual([4, 5, 6]);
    const mine = await list({ limit: '50' }, owner);
    expect(mine).toBe(await expected({ limit: 50 }, owner));
    expect(JSON.parse(mine).items).toHaveLength(6);
    expect(JSON.parse(await list({ limit: '50' })).items).toHaveLength(5);
    expect(JSON.parse(mine).items[0].contacts[0].phone).not.toBe('13812345678');
  });

  it('filter the same past the bound on prepared statement shapes (built and run unprepared)', async () => {
    const sorts = ['-updatedAt', 'updatedAt', 'price', '-price', 'trl', '-trl'] as const;
    const idsOf = new Map<number, string>();
    // 6 sorts × 64 filter combinations = 384 shapes: the later sorts run past the 200 prepared.
    for (const sort of sorts)
      for (let bits = 0; bits < 64; bits++) {
        const q: ListQuery = { organisationId: uni.id, sort, limit: 50 };
        if (bits & 1) q.field = '03';
        if (bits & 2) q.trlMin = 4;
        if (bits & 4) q.trlMax = 6;
        if (bits & 8) q.mode = 'transfer';
        if (bits & 16) q.status = 'published';
        q.region = bits & 32 ? '320100' : '320115';
        const items = (await listListings(deps, undefined, 'achievement', q)).items as Item[];
        const trls = items.map((i) => i.trl);
        expect(trls.every((t) => t >= (q.trlMin ?? 1) && t <= (q.trlMax ?? 9))).toBe(true);
        if (sort === 'trl') expect(trls).toEqual([...trls].sort());
        const set = items
          .map((i) => i.id)
          .sort()
          .join();
        if (!idsOf.has(bits)) idsOf.set(bits, set);
        expect(set, `${sort} ${bits}`).toBe(idsOf.get(bits));
      }
    expect(idsOf.get(6)?.split(',')).toHaveLength(3);
  });

  it('show a listing as it is now after any change to its row', async () => {
    await list({ limit: '50' });
    const [id] = ids;
    await ctx.database.pool.query(
      `UPDATE catalog_listings SET content = jsonb_set(content, '{summary}', '"改过的摘要"') WHERE id = $1`,
      [id],
    );
    const after = JSON.parse(await list({ limit: '50' })).items.find((i: { id: string }) => i.id === id);
    expect(after.summary).toBe('改过的摘要');
    await ctx.database.pool.query(`UPDATE catalog_listings SET status = 'withdrawn' WHERE id = $1`, [id]);
    const page = await list({ limit: '50' });
    expect(page).toBe(await expected({ limit: 50 }));
    expect(JSON.parse(page).items.map((i: { id: string }) => i.id)).not.toContain(id);
  });
});
