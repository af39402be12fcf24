// The index survives engine trouble: an empty engine beside a catalog with public listings (a lost
// Meilisearch volume) is refilled at start, and indexing jobs that failed during an outage are
// retried once the engine answers again. The outage is a test-side wrapper around the real engine
// that throws like an unreachable server.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../platform/errors.js';
import type { AnyWorker } from '../../platform/queue.js';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { createListing, ownSearchNamespace } from '../../test/fixtures/matching.js';
import { eventually } from '../../test/wait.js';
import { catalogModule } from '../catalog/module.js';
import { createSearchEngine } from './create-engine.js';
import type { SearchEngine } from './engine.js';
import { useSearchEngine } from './engine-instance.js';
import { indexMaintenance, retryFailedIndexJobs } from './index-maintenance.js';
import { CATALOG_CHANGED_QUEUE, processListingChange } from './indexer.js';

let ctx: TestContext;
let app: FastifyInstance;
let engine: SearchEngine;
let owner: TestActor;
let registrar: TestActor;
const workers: AnyWorker[] = [];

const fixture = useTestApp([catalogModule.routes!], { env: ownSearchNamespace() });
beforeAll(async () => {
  ({ ctx, app } = fixture);
  engine = createSearchEngine(ctx.config, ctx.database);
  useSearchEngine(ctx.database, engine);
  const sub = await createSubCentre(ctx);
  owner = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university', subCentre: sub, verified: true }),
  });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await engine?.reset();
});

async function publishUnindexed(word: string): Promise<string> {
  const id = await createListing(app, 'achievement', owner, { summary: `${word} 正极材料连续化制备工艺` });
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

const found = async (q: string) => (await engine.search({ type: 'achievement', q })).hits.map((h) => h.id);

const quiet = { warn: () => undefined, info: () => undefined };

describe('search index maintenance', () => {
  it('refills an empty engine at start when the catalog has public listings', async () => {
    const word = `lost${ctx.tag}`;
    const id = await publishUnindexed(word);
    await engine.ensureSetup();
    await engine.reset(); // a new, empty volume
    expect(await found(word)).toEqual([]);
    const service = indexMaintenance(ctx, quiet);
    await service.start();
    try {
      await eventually('the listing back in the index', async () => (await found(word)).includes(id), 30_000);
    } finally {
      await service.stop();
    }
  });

  it('retries indexing jobs that failed while the engine was away, once it answers again', async () => {
    const down: SearchEngine = {
      kind: engine.kind,
      infixMatching: engine.infixMatching,
      ensureSetup: async () => undefined,
      search: (q) => engine.search(q),
      setSynonyms: (g) => engine.setSynonyms(g),
      getSynonyms: () => engine.getSynonyms(),
      thesaurus: () => engine.thesaurus(),
      corpusStats: (type, lexemes) => engine.corpusStats(type, lexemes),
      candidates: (q) => engine.candidates(q),
      ping: () => engine.ping(),
      reset: () => engine.reset(),
      upsert: async () => {
        throw new ServiceUnavailableError('search-unavailable');
      },
      remove: async () => {
        throw new ServiceUnavailableError('search-unavailable');
      },
    };
    useSearchEngine(ctx.database, down);
    const word = `away${ctx.tag}`;
    const id = await publishUnindexed(word);
    const queue = ctx.queues.queue(CATALOG_CHANGED_QUEUE);
    // its last attempt, as after the backoff of an outage longer than the retries
    const jobId = `outage-${ctx.tag}`;
    await queue.add(
      CATALOG_CHANGED_QUEUE,
      { type: 'achievement', id, change: 'published' },
      { jobId, attempts: 1 },
    );
    workers.push(ctx.queues.worker(CATALOG_CHANGED_QUEUE, (job) => processListingChange(ctx, job)));
    await eventually(
      'the job failed',
      async () => (await (await queue.getJob(jobId))?.getState()) === 'failed',
      30_000,
    );
    expect(await found(word)).toEqual([]);

    useSearchEngine(ctx.database, engine); // back
    expect(await retryFailedIndexJobs(ctx)).toBeGreaterThanOrEqual(1);
    await eventually(
      'the job completed',
      async () => (await (await queue.getJob(jobId))?.getState()) === 'completed',
      30_000,
    );
    expect(await found(word)).toEqual([id]);
  });
});
