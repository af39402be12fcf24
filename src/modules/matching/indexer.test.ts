// The search index follows the catalog through the durable side-effect path: catalog API → outbox →
// `catalog.changed` job → indexer worker → engine, and `techex reindex` rebuilds it from the database.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyWorker } from '../../platform/queue.js';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { eventually } from '../../test/wait.js';
import { catalogModule } from '../catalog/module.js';
import { createSearchEngine } from './create-engine.js';
import type { SearchEngine, SearchQuery } from './engine.js';
import { searchEngineFor } from './engine-instance.js';
import {
  CATALOG_CHANGED_QUEUE,
  DIRECTORY_CHANGED_QUEUE,
  LISTING_INDEXED_QUEUE,
  matchingWorkers,
  processListingChange,
} from './indexer.js';
import { MeiliSearchEngine } from './meili-engine.js';
import { reindex } from './reindex.js';

let ctx: TestContext;
let app: FastifyInstance;
let engine: SearchEngine;
const workers: AnyWorker[] = [];
let owner: TestActor;
let registrar: TestActor;
let operator: TestActor;
let orgWord: string;

const fixture = useTestApp([catalogModule.routes!], {
  outboxQueues: [CATALOG_CHANGED_QUEUE, DIRECTORY_CHANGED_QUEUE],
});
beforeAll(async () => {
  ({ ctx, app } = fixture);
  for (const def of matchingWorkers(ctx)) {
    workers.push(ctx.queues.worker(def.queue as never, def.process, { concurrency: def.concurrency }));
  }
  engine = await searchEngineFor(ctx);
  const sub = await createSubCentre(ctx);
  orgWord = `org${ctx.tag}`;
  const uni = await createOrganisation(ctx, {
    type: 'university',
    subCentre: sub,
    verified: true,
    name: `${orgWord} 理工大学`,
  });
  owner = await createActor(ctx, { organisation: uni, orgRole: 'org_admin' });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
});

const ids = async (q: SearchQuery, on = engine) => (await on.search(q)).hits.map((h) => h.id);

/** Waits until `ok` holds, kicking the outbox as its sweep would. */
const until = (what: string, ok: () => Promise<boolean>, timeout = 10_000) =>
  eventually(what, ok, { timeout, poke: () => ctx.outbox.kick() });

async function publish(payload: Record<string, unknown>): Promise<string> {
  const draft = await app.inject({
    method: 'POST',
    url: '/v1/achievements',
    headers: owner.headers,
    payload,
  });
  expect(draft.statusCode, draft.body).toBe(201);
  const id = draft.json().id as string;
  await transition(id, owner, 'submit');
  await transition(id, registrar, 'approve');
  return id;
}

async function transition(id: string, actor: TestActor, action: string) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/achievements/${id}/transitions`,
    headers: actor.headers,
    payload: { action },
  });
  expect(res.statusCode, res.body).toBe(200);
}

describe('search indexer', () => {
  let id: string;
  let payload: Record<string, unknown>;
  let secret: string;

  it('makes a published listing findable, never its confidential part', async () => {
    const n = Number.parseInt(ctx.tag.slice(0, 5), 16);
    secret = `secret${ctx.tag}`;
    payload = achievementFixture(n, {
      summary: `一种 first${ctx.tag} 正极材料连续化制备工艺`,
      confidential: { notes: `工艺窗口 ${secret}`, detailedIndicators: [`烧结 ${secret}`] },
      contacts: [{ name: '张老师', phone: '13912345678', email: `${secret}@example.edu.cn` }],
    });
    id = await publish(payload);
    // Visible within ~2 s on an idle machine. Not asserted as a time (timed tests flake on
    // shared runners): the poll only gives up after 30 s.
    await until(
      'the first publication indexed',
      async () => (await ids({ type: 'achievement', q: `first${ctx.tag}` })).includes(id),
      30_000,
    );
    // the owner's (verified) organisation is indexed with it
    expect(await ids({ type: 'achievement', q: orgWord })).toContain(id);
    for (const match of ['all', 'any'] as const) {
      expect(await ids({ type: 'achievement', q: secret, match })).toEqual([]);
      expect(await ids({ type: 'achievement', q: '13912345678', match })).toEqual([]);
    }
    // announced once the job has checked that the index holds the listing's newest state
    const indexed = ctx.queues.queue(LISTING_INDEXED_QUEUE);
    await until(
      'the first version announced',
      async () => !!(await indexed.getJob(`indexed-achievement-${id}-1`)),
    );
    const announced = await indexed.getJob(`indexed-achievement-${id}-1`);
    expect(announced?.data).toMatchObject({ type: 'achievement', id, version: 1, visible: true });
  });

  it('reflects an update, and stale or repeated jobs leave the newest state', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: `/v1/achievements/${id}`,
      headers: owner.headers,
      payload: { ...payload, summary: `一种 second${ctx.tag} 正极材料连续化制备工艺` },
    });
    expect(res.statusCode, res.body).toBe(200);
    await until('the second version indexed', async () =>
      (await ids({ type: 'achievement', q: `second${ctx.tag}` })).includes(id),
    );
    expect(await ids({ type: 'achievement', q: `first${ctx.tag}` })).not.toContain(id);

    // the job of the first publication, delivered late and several times at once, through the queue
    const queue = ctx.queues.queue(CATALOG_CHANGED_QUEUE);
    const late = ['a', 'b', 'c'].map((k) => `late-${ctx.tag}-${k}`);
    for (const jobId of late) {
      await queue.add(CATALOG_CHANGED_QUEUE, { type: 'achievement', id, change: 'published' }, { jobId });
    }
    await Promise.all(
      [1, 2, 3].map(() =>
        processListingChange(ctx, { data: { type: 'achievement', id, change: 'published' } }),
      ),
    );
    await until('the late jobs completed', async () => {
      const states = await Promise.all(late.map(async (j) => (await queue.getJob(j))?.getState()));
      return states.every((s) => s === 'completed');
    });
    expect(await ids({ type: 'achievement', q: `second${ctx.tag}` })).toContain(id);
    expect(await ids({ type: 'achievement', q: `first${ctx.tag}` })).not.toContain(id);
    const announced = await ctx.queues.queue(LISTING_INDEXED_QUEUE).getJob(`indexed-achievement-${id}-2`);
    expect(announced?.data).toMatchObject({ version: 2, visible: true, change: 'updated' });
  });

  it('removes a withdrawn listing from the index', async () => {
    await transition(id, owner, 'withdraw');
    await until(
      'the withdrawn listing removed',
      async () => !(await ids({ type: 'achievement', q: `second${ctx.tag}` })).includes(id),
    );
    const indexed = ctx.queues.queue(LISTING_INDEXED_QUEUE);
    // announced right after the removal
    await until(
      'the removal announced',
      async () => !!(await indexed.getJob(`indexed-achievement-${id}-2-removed`)),
    );
    const announced = await indexed.getJob(`indexed-achievement-${id}-2-removed`);
    expect(announced?.data).toMatchObject({ visible: false, change: 'withdrawn' });
    // a late 'published' job for it does not bring it back
    await processListingChange(ctx, { data: { type: 'achievement', id, change: 'published' } });
    expect(await ids({ type: 'achievement', q: `second${ctx.tag}` })).not.toContain(id);
  });

  it('indexes experts and institutions without their contacts', async () => {
    const expert = await app.inject({
      method: 'POST',
      url: '/v1/experts',
      headers: operator.headers,
      payload: {
        name: `专家 exp${ctx.tag}`,
        title: '教授',
        fields: ['03'],
        expertise: ['固态电解质'],
        bio: `bio${ctx.tag}`,
      },
    });
    expect(expert.statusCode, expert.body).toBe(201);
    const institution = await app.inject({
      method: 'PUT',
      url: '/v1/service-institutions',
      headers: owner.headers,
      payload: {
        name: `机构 inst${ctx.tag}`,
        kinds: ['技术转移'],
        regionCode: '320115',
        services: ['成果评价'],
        contact: { name: '王老师', phone: '13712345678', email: `mail${ctx.tag}@example.com` },
      },
    });
    expect(institution.statusCode, institution.body).toBe(200);
    await until('the expert indexed', async () =>
      (await ids({ type: 'expert', q: `bio${ctx.tag}` })).includes(expert.json().id),
    );
    await until('the institution indexed', async () =>
      (await ids({ type: 'institution', q: `inst${ctx.tag}` })).includes(institution.json().id),
    );
    expect(await ids({ type: 'institution', q: '13712345678', match: 'any' })).toEqual([]);
    expect(await ids({ type: 'institution', q: `mail${ctx.tag}`, match: 'any' })).toEqual([]);
  });

  it('reindex rebuilds a wiped index from the database', async () => {
    const live = await publish(
      achievementFixture(Number.parseInt(ctx.tag.slice(2, 7), 16), {
        summary: `一种 third${ctx.tag} 正极材料连续化制备工艺`,
      }),
    );
    // an index of its own, so the other files' searches are not disturbed by the wipe
    const rebuilt = createSearchEngine(ctx.config, ctx.database, { namespace: `r${ctx.tag}` });
    await rebuilt.ensureSetup();
    try {
      await rebuilt.reset(); // wiped
      // and the withdrawn listing in it as a stale document, which the rebuild must drop
      await rebuilt.upsert([
        { id, type: 'achievement', title: `stale${ctx.tag}`, status: 'published', updatedAt: new Date() },
      ]);
      const [summary] = await reindex(
        { db: ctx.database.db, engine: rebuilt, namespace: `r${ctx.tag}` },
        { types: ['achievement'] },
      );
      expect(summary!.indexed).toBeGreaterThanOrEqual(1);
      expect(await ids({ type: 'achievement', q: `third${ctx.tag}` }, rebuilt)).toEqual([live]);
      expect(await ids({ type: 'achievement', q: `stale${ctx.tag}` }, rebuilt)).toEqual([]);
      expect(await ids({ type: 'achievement', q: `second${ctx.tag}` }, rebuilt)).toEqual([]);
    } finally {
      await rebuilt.reset();
      if (rebuilt instanceof MeiliSearchEngine) await rebuilt.dropIndexes();
    }
  });
});
