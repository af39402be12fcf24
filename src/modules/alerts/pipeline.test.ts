import { randomBytes } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../platform/module.js';
import type { AnyWorker } from '../../platform/queue.js';
import { outboxJobs } from '../../platform/schema.js';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { catalogModule } from '../catalog/module.js';
import { searchEngineFor } from '../matching/engine-instance.js';
import { LISTING_INDEXED_QUEUE, processListingChange } from '../matching/indexer.js';
import { alertsModule } from './module.js';
import { alertRoutes } from './routes.js';

/**
 * End to end: a listing published and edited through the catalog API, indexed by the indexer's
 * own code (what its `catalog.changed` worker runs), announced on `matching.listing-indexed` and
 * turned into alerts by this module's worker.
 */
let ctx: TestContext;
let app: FastifyInstance;
let worker: AnyWorker;
let owner: TestActor;
let registrar: TestActor;
let seeker: TestActor;
const WORD = `zp${randomBytes(4).toString('hex')}`;

const fixture = useTestApp([catalogModule.routes!, alertRoutes], {
  env: { QUEUE_PREFIX: `tp${randomBytes(4).toString('hex')}` },
});
beforeAll(async () => {
  ({ ctx, app } = fixture);
  const [def] = alertsModule.workers!(ctx);
  worker = startWorker(ctx.queues, def!);
  const sub = await createSubCentre(ctx);
  owner = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university', subCentre: sub, verified: true }),
  });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
  seeker = await createActor(ctx, { organisation: await createOrganisation(ctx) });
});
afterAll(async () => {
  await worker?.close();
  await (await searchEngineFor(ctx))?.reset();
});

async function alerts(savedSearchId: string, atLeast: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await app.inject({
      url: `/v1/saved-searches/${savedSearchId}/alerts`,
      headers: seeker.headers,
    });
    const items = res.json().items as { version: number; change: string }[];
    if (items.length >= atLeast || Date.now() > deadline) return items;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('catalog → index → alert', () => {
  it('a published listing alerts once, an edit once more, a withdrawal not at all', async () => {
    const saved = await app.inject({
      method: 'POST',
      url: '/v1/saved-searches',
      headers: seeker.headers,
      payload: {
        name: '正极材料',
        type: 'achievement',
        q: `${WORD} 正极材料`,
        filters: { fieldCodes: ['03'] },
      },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const ssId = saved.json().id as string;

    const n = Date.now() % 1e6;
    const input = achievementFixture(n, { ipItems: [], keywords: [WORD, '正极材料'] });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/achievements',
      headers: owner.headers,
      payload: input,
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    for (const [action, by] of [
      ['submit', owner],
      ['approve', registrar],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/achievements/${id}/transitions`,
        headers: by.headers,
        payload: { action },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    // what the indexer's catalog.changed worker does with the catalog's job
    await processListingChange(ctx, { data: { type: 'achievement', id, change: 'published' } });
    expect((await alerts(ssId, 1)).map((a) => a.change)).toEqual(['published']);

    const edited = await app.inject({
      method: 'PUT',
      url: `/v1/achievements/${id}`,
      headers: owner.headers,
      payload: { ...input, summary: '新版：循环寿命再提升一成' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await processListingChange(ctx, { data: { type: 'achievement', id, change: 'updated' } });
    // and a duplicate delivery of the same change
    await processListingChange(ctx, { data: { type: 'achievement', id, change: 'updated' } });
    const two = await alerts(ssId, 2);
    expect(two.map((a) => a.change)).toEqual(['updated', 'published']);
    expect(two[0]!.version).toBeGreaterThan(two[1]!.version);

    const withdrawn = await app.inject({
      method: 'POST',
      url: `/v1/achievements/${id}/transitions`,
      headers: owner.headers,
      payload: { action: 'withdraw' },
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    await processListingChange(ctx, { data: { type: 'achievement', id, change: 'withdrawn' } });
    // three announcements in all (the duplicate update had the same job id): wait for the third
    const queue = ctx.queues.queue(LISTING_INDEXED_QUEUE);
    await expect
      .poll(async () => (await queue.getJobCounts('completed')).completed, { timeout: 20_000 })
      .toBe(3);
    expect(await alerts(ssId, 0)).toHaveLength(2);
  });
});

/** The catalog.changed jobs the catalog queued for a listing, oldest first (as the outbox holds them). */
async function queuedChanges(listingId: string) {
  const rows = await ctx.database.db
    .select()
    .from(outboxJobs)
    .where(and(eq(outboxJobs.queue, 'catalog.changed'), sql`${outboxJobs.payload}->>'id' = ${listingId}`))
    .orderBy(asc(outboxJobs.createdAt), asc(outboxJobs.id));
  return rows.map((r) => r.payload as { type: 'achievement'; id: string; change: 'published' | 'updated' });
}

async function saveSearch(q: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/saved-searches',
    headers: seeker.headers,
    payload: { name: q, type: 'achievement', q },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function publish(input: Record<string, unknown>): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/achievements',
    headers: owner.headers,
    payload: input,
  });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  for (const [action, by] of [
    ['submit', owner],
    ['approve', registrar],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/achievements/${id}/transitions`,
      headers: by.headers,
      payload: { action },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  return id;
}

async function edit(id: string, input: Record<string, unknown>) {
  const res = await app.inject({
    method: 'PUT',
    url: `/v1/achievements/${id}`,
    headers: owner.headers,
    payload: input,
  });
  expect(res.statusCode, res.body).toBe(200);
}

/**
 * Edits back to back (issue 18 item 16): the indexer's jobs for them run after the last edit (the
 * batcher coalesces them), so the index holds only the newest version when each job runs. Each
 * job is run here as the worker runs it, with the payload the catalog queued.
 */
describe('edits back to back', () => {
  it('alert once for every matching version, the middle one too', async () => {
    const word = `zr${randomBytes(4).toString('hex')}`;
    const ssId = await saveSearch(`${word} 正极材料`);
    const input = achievementFixture(Date.now() % 1e6, { ipItems: [], keywords: [word, '正极材料'] });
    const id = await publish(input);
    await edit(id, { ...input, summary: '第二版：循环寿命提升' });
    await edit(id, { ...input, summary: '第三版：倍率性能提升' });
    const jobs = await queuedChanges(id);
    expect(jobs.map((j) => j.change)).toEqual(['published', 'updated', 'updated']);
    for (const data of jobs) await processListingChange(ctx, { data });
    await expect
      .poll(async () => (await alerts(ssId, 0)).map((a) => a.version).sort(), { timeout: 20_000 })
      .toEqual([1, 2, 3]);
    // exactly once per version: every announcement has run, and three alerts in all
    expect(await alerts(ssId, 0)).toHaveLength(3);
  });

  it('no match → match → no match within moments alerts for the matching version', async () => {
    const word = `zs${randomBytes(4).toString('hex')}`;
    // a second word of its own: no fixture text can hold it by chance
    const middle = `zt${randomBytes(4).toString('hex')}`;
    const ssId = await saveSearch(`${word} ${middle}`);
    const input = achievementFixture((Date.now() + 1) % 1e6, { ipItems: [], keywords: [word] });
    const id = await publish(input);
    await edit(id, { ...input, keywords: [word, middle] });
    await edit(id, { ...input, summary: '第三版：不再提及那个词' });
    for (const data of await queuedChanges(id)) await processListingChange(ctx, { data });
    await expect
      .poll(async () => (await alerts(ssId, 0)).map((a) => a.version), { timeout: 20_000 })
      .toEqual([2]);
    // every announcement has run (versions 1 and 3 alert no one): still the one alert
    const queue = ctx.queues.queue(LISTING_INDEXED_QUEUE);
    await expect
      .poll(
        async () =>
          Promise.all(
            [1, 3].map(async (v) => (await queue.getJob(`indexed-achievement-${id}-${v}`))?.isCompleted()),
          ),
        { timeout: 20_000 },
      )
      .toEqual([true, true]);
    expect((await alerts(ssId, 0)).map((a) => a.version)).toEqual([2]);
  });
});
