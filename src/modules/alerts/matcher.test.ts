import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../platform/ids.js';
import { startWorker } from '../../platform/module.js';
import type { AnyWorker } from '../../platform/queue.js';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { catalogModule } from '../catalog/module.js';
import { webhookEvents } from '../integration/schema.js';
import type { SearchEngine } from '../matching/engine.js';
import { searchEngineFor } from '../matching/engine-instance.js';
import { LISTING_INDEXED_QUEUE, type ListingIndexedJob } from '../matching/indexer.js';
import { notifications } from '../notifications/schema.js';
import { type AlertMatcherDeps, processListingIndexed } from './matcher.js';
import { alertsModule } from './module.js';
import { alertRoutes } from './routes.js';

/**
 * The alert pipeline as agreed with the indexer: a listing version was indexed, then a
 * `matching.listing-indexed` job names it; the version's public content (from the catalog and its
 * history) is judged against the saved searches; each matching one gets one alert per version.
 */
let ctx: TestContext;
let app: FastifyInstance;
let engine: SearchEngine;
let deps: AlertMatcherDeps;
let worker: AnyWorker;
let seeker: TestActor; // saves searches, acting for the enterprise
let publisher: TestActor; // owns the listings
let registrar: TestActor;
// A word no other test file's listing contains, so runs elsewhere never touch these saved searches.
const WORD = `zq${randomBytes(4).toString('hex')}`;

// a search namespace of this file's own
const fixture = useTestApp([catalogModule.routes!, alertRoutes], {
  env: { QUEUE_PREFIX: `ta${randomBytes(4).toString('hex')}` },
});
beforeAll(async () => {
  ({ ctx, app } = fixture);
  engine = await searchEngineFor(ctx);
  deps = { database: ctx.database, engine: () => searchEngineFor(ctx), kick: () => undefined };
  const [def] = alertsModule.workers!(ctx);
  worker = startWorker(ctx.queues, def!);
  const sub = await createSubCentre(ctx);
  const verified = (type?: 'university') => createOrganisation(ctx, { type, subCentre: sub, verified: true });
  seeker = await createActor(ctx, { organisation: await verified() });
  publisher = await createActor(ctx, { organisation: await verified('university') });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
});
afterAll(async () => {
  await worker?.close();
  await engine?.reset();
});

async function save(actor: TestActor, body: Record<string, unknown>): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/saved-searches',
    headers: actor.headers,
    payload: { name: '订阅', type: 'achievement', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

let n = Math.floor(Date.now() % 1e6) * 10;
const inputs = new Map<string, Record<string, unknown>>();

/** A published achievement (through the catalog API) with this file's word as its keyword; its id. */
async function publish(title: string, over: Record<string, unknown> = {}, by = publisher): Promise<string> {
  const input = achievementFixture(++n, { ipItems: [], title, keywords: [WORD], ...over });
  const res = await app.inject({
    method: 'POST',
    url: '/v1/achievements',
    headers: by.headers,
    payload: input,
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  for (const [action, actor] of [
    ['submit', by],
    ['approve', registrar],
  ] as const)
    await transition(id, action, actor);
  inputs.set(id, input);
  return id;
}

async function transition(id: string, action: string, by: TestActor) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/achievements/${id}/transitions`,
    headers: by.headers,
    payload: { action },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Edits a published achievement; the new content version's number. */
async function edit(id: string, over: Record<string, unknown>): Promise<number> {
  const res = await app.inject({
    method: 'PUT',
    url: `/v1/achievements/${id}`,
    headers: publisher.headers,
    payload: { ...inputs.get(id), ...over },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().version;
}

const job = (id: string, version: number, over: Partial<ListingIndexedJob> = {}): ListingIndexedJob => ({
  type: 'achievement',
  id,
  version,
  change: version === 1 ? 'published' : 'updated',
  visible: true,
  ...over,
});

async function alertsOf(savedSearchId: string) {
  const res = await app.inject({
    url: `/v1/saved-searches/${savedSearchId}/alerts`,
    headers: seeker.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as { listingId: string; version: number; change: string; title: string }[];
}

const inboxFor = (savedSearchId: string) =>
  ctx.database.db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.kind, 'alert.matched'),
        sql`${notifications.data}->>'savedSearchId' = ${savedSearchId}`,
      ),
    );

const eventsFor = (savedSearchId: string) =>
  ctx.database.db
    .select()
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.type, 'alert.matched'),
        sql`${webhookEvents.data}->>'savedSearchId' = ${savedSearchId}`,
      ),
    );

describe('saved-search alerts', () => {
  it('alert once per matching listing version: retries add nothing, a new version adds one', async () => {
    const ss = await save(seeker, { q: `${WORD} 正极材料` });
    const id = await publish('高镍正极材料连续化制备工艺');

    // (saved searches of other test files may match too: only this file's are counted)
    await processListingIndexed(deps, job(id, 1));
    expect(await alertsOf(ss)).toHaveLength(1);
    // the same job again (a retry after the commit): nothing new
    await processListingIndexed(deps, job(id, 1));
    expect(await alertsOf(ss)).toHaveLength(1);

    // an edit: a new version alerts once more
    expect(await edit(id, { title: '高镍正极材料连续化制备工艺（第二版）' })).toBe(2);
    await processListingIndexed(deps, job(id, 2));
    const alerts = await alertsOf(ss);
    expect(alerts.map((a) => [a.version, a.change])).toEqual([
      [2, 'updated'],
      [1, 'published'],
    ]);
    expect(alerts[0]!.title).toContain('第二版');

    const inbox = await inboxFor(ss);
    expect(inbox).toHaveLength(2);
    expect(inbox.every((n) => n.recipientUserId === seeker.userId)).toBe(true);
    expect(inbox.map((n) => n.dedupKey).sort()).toEqual([`alert:${ss}:${id}:1`, `alert:${ss}:${id}:2`]);
    expect(inbox[0]!.title).toMatch(/^订阅「订阅」有/);
    // no webhook unless asked for
    expect(await eventsFor(ss)).toHaveLength(0);
  });

  it('judge the version the job names, from the history, whatever the listing holds now', async () => {
    const ss = await save(seeker, { q: `${WORD} 钠离子电池` });
    const id = await publish('钠离子电池层状氧化物正极');
    // edited before the job for version 1 runs: version 2 no longer says it
    expect(await edit(id, { title: '层状氧化物正极改性工艺', keywords: [WORD] })).toBe(2);
    await processListingIndexed(deps, job(id, 2));
    expect(await alertsOf(ss)).toEqual([]);
    await processListingIndexed(deps, job(id, 1));
    expect((await alertsOf(ss)).map((a) => [a.version, a.title])).toEqual([[1, '钠离子电池层状氧化物正极']]);
    // a version the listing never had alerts no one
    expect(await processListingIndexed(deps, job(id, 9))).toMatchObject({ candidates: 0, alerted: 0 });
  });

  it('consumes matching.listing-indexed jobs from the queue', async () => {
    const ss = await save(seeker, { q: `${WORD} 激光雷达` });
    const id = await publish('车规级激光雷达标定装置');
    const queue = ctx.queues.queue(LISTING_INDEXED_QUEUE);
    await queue.add(LISTING_INDEXED_QUEUE, job(id, 1), { jobId: `indexed-achievement-${id}-1` });
    // the same announcement under another job id (e.g. a re-run indexer): still one alert
    await queue.add(LISTING_INDEXED_QUEUE, job(id, 1), { jobId: `indexed-achievement-${id}-1-again` });
    // both jobs have run (a wait that fails if they do not), so one alert is the result
    const finished = async () =>
      Promise.all(
        [`indexed-achievement-${id}-1`, `indexed-achievement-${id}-1-again`].map(
          async (jobId) => (await (await queue.getJob(jobId))?.isCompleted()) ?? false,
        ),
      );
    await expect.poll(finished, { timeout: 20_000 }).toEqual([true, true]);
    expect((await alertsOf(ss)).map((a) => a.listingId)).toEqual([id]);
    expect(await inboxFor(ss)).toHaveLength(1);
  });

  it('alert no one for a non-matching, a withdrawn or their own organisation’s listing', async () => {
    const ss = await save(seeker, { q: `${WORD} 储能变流器` });
    const other = await publish('水下机器人运维平台');
    await processListingIndexed(deps, job(other, 1));

    // withdrawn: the indexer announces it with visible = false
    const withdrawn = await publish('储能变流器控制方法');
    await transition(withdrawn, 'withdraw', publisher);
    expect(
      await processListingIndexed(deps, job(withdrawn, 1, { change: 'withdrawn', visible: false })),
    ).toMatchObject({ candidates: 0, alerted: 0 });
    // withdrawn after it was announced visible: no longer public, nothing to judge
    expect(await processListingIndexed(deps, job(withdrawn, 1))).toMatchObject({ candidates: 0, alerted: 0 });

    // the seeker's own organisation published it
    const own = await publish('储能变流器集成方案', {}, seeker);
    await processListingIndexed(deps, job(own, 1));
    // a listing that does not exist
    expect(await processListingIndexed(deps, job(newId(), 1))).toMatchObject({ candidates: 0, alerted: 0 });
    expect(await alertsOf(ss)).toEqual([]);
  });

  it('respects the filters: field, region, readiness, modes, price and type', async () => {
    const common = { field: '05', trl: 7, priceFen: 80_000_000, transferModes: ['transfer'] };
    const fits = await publish('固态电解质制备技术', { ...common, regionCode: '320211' });
    const misfit = await publish('固态电解质改性方法', { ...common, regionCode: '320506' });
    const q = `${WORD} 固态电解质`;
    const byRegion = await save(seeker, { q, filters: { regionCodes: ['320200'], fieldCodes: ['05'] } });
    const byTrl = await save(seeker, { q, filters: { trlMin: 8 } });
    const byMode = await save(seeker, { q, filters: { transferModes: ['equity'] } });
    const byPrice = await save(seeker, { q, filters: { priceMinFen: 50_000_000, priceMaxFen: 90_000_000 } });
    const tooCheap = await save(seeker, { q, filters: { priceMaxFen: 10_000_000 } });
    const needs = await save(seeker, { q, type: 'need' });
    const allWords = await save(seeker, { q: `${q} 钙钛矿` });
    for (const id of [fits, misfit]) await processListingIndexed(deps, job(id, 1));

    expect((await alertsOf(byRegion)).map((a) => a.listingId)).toEqual([fits]);
    expect((await alertsOf(byPrice)).map((a) => a.listingId).sort()).toEqual([fits, misfit].sort());
    for (const none of [byTrl, byMode, tooCheap, needs, allWords]) expect(await alertsOf(none)).toEqual([]);
  });

  it('emit an alert.matched webhook event to the owner’s organisation when asked', async () => {
    const ss = await save(seeker, { q: `${WORD} 碳化硅`, notify: { inbox: true, webhook: true } });
    const id = await publish('碳化硅器件封装结构');
    await processListingIndexed(deps, job(id, 1));
    await processListingIndexed(deps, job(id, 1));
    const events = await eventsFor(ss);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subjectId: id, organisationIds: [seeker.organisationId] });
    expect(events[0]!.data).toMatchObject({ listingId: id, version: 1, change: 'published' });
  });
});
