// How the indexer writes to the engine: never while holding a database transaction, changes that
// arrive together in one write per type, and the newest state left even when an older write lands
// last. The real engine (embedded, or Meilisearch when MEILI_URL is set) is wrapped on the test
// side to watch what reaches it.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../../platform/db.js';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestContext } from '../../test/app.js';
import { buildTestApp, type TestContext } from '../../test/context.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { createListing, ownSearchNamespace } from '../../test/fixtures/matching.js';
import { catalogModule } from '../catalog/module.js';
import { createSearchEngine } from './create-engine.js';
import type { SearchDocument, SearchEngine } from './engine.js';
import { searchEngineFor, useSearchEngine } from './engine-instance.js';
import { applyCurrentState } from './index-apply.js';
import { processListingChange } from './indexer.js';
import { reindex } from './reindex.js';
import { synonymRoutes } from './synonym-routes.js';
import { readThesaurus } from './synonym-store.js';

let base: TestContext;
let ctx: TestContext;
let probeDb: Database;
let app: FastifyInstance;
let real: SearchEngine;
let owner: TestActor;
let registrar: TestActor;
let operator: TestActor;

interface Write {
  op: 'upsert' | 'remove' | 'setSynonyms';
  count: number;
  /** transactions of the service's pool open (idle in transaction) when the write began */
  openTransactions: number;
}
const writes: Write[] = [];
/** runs before a write reaches the engine (a test can hold a write back) */
let beforeWrite: (w: Write, docs: SearchDocument[]) => Promise<void> = async () => undefined;

async function openTransactions(): Promise<number> {
  const { rows } = await base.database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE application_name = $1 AND state LIKE 'idle in transaction%'`,
    [`probe${base.tag}`],
  );
  return rows[0]!.n;
}

/** The real engine, each write recorded with the transactions open at that moment. */
function watched(engine: SearchEngine): SearchEngine {
  const record = async (op: Write['op'], count: number, docs: SearchDocument[] = []) => {
    const w = { op, count, openTransactions: await openTransactions() };
    writes.push(w);
    await beforeWrite(w, docs);
  };
  return {
    kind: engine.kind,
    infixMatching: engine.infixMatching,
    ensureSetup: () => engine.ensureSetup(),
    upsert: async (docs) => {
      await record('upsert', docs.length, docs);
      return engine.upsert(docs);
    },
    remove: async (type, ids) => {
      await record('remove', ids.length);
      return engine.remove(type, ids);
    },
    search: (q) => engine.search(q),
    setSynonyms: async (groups) => {
      await record('setSynonyms', groups.length);
      return engine.setSynonyms(groups);
    },
    getSynonyms: () => engine.getSynonyms(),
    thesaurus: () => engine.thesaurus(),
    corpusStats: (type, lexemes) => engine.corpusStats(type, lexemes),
    candidates: (q) => engine.candidates(q),
    ping: () => engine.ping(),
    reset: () => engine.reset(),
  };
}

const fixture = useTestContext({ env: ownSearchNamespace() });
beforeAll(async () => {
  ({ ctx: base } = fixture);
  // the service's pool under a name of its own, so its open transactions can be counted
  probeDb = createDatabase(inject('databaseUrl'), { max: 5, applicationName: `probe${base.tag}` });
  ctx = { ...base, database: probeDb };
  real = createSearchEngine(ctx.config, probeDb);
  useSearchEngine(probeDb, watched(real));
  await searchEngineFor(ctx);
  app = await buildTestApp(ctx, [catalogModule.routes!, synonymRoutes]);
  const sub = await createSubCentre(ctx);
  owner = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university', subCentre: sub, verified: true }),
  });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
});
afterAll(async () => {
  await real?.reset();
  await app?.close();
  await probeDb?.close();
});

async function transition(id: string, by: TestActor, action: string) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/achievements/${id}/transitions`,
    headers: by.headers,
    payload: { action },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Published listings, not indexed yet (their jobs are what the tests run). */
async function published(n: number, word: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await createListing(app, 'achievement', owner, {
      summary: `${word} 第${i}号 正极材料连续化制备工艺`,
    });
    await transition(id, owner, 'submit');
    await transition(id, registrar, 'approve');
    ids.push(id);
  }
  return ids;
}

const found = async (q: string) =>
  (await real.search({ type: 'achievement', q, limit: 100 })).hits.map((h) => h.id).sort();

describe('indexing writes', () => {
  it('coalesces changes that arrive together into one engine write, and holds no transaction meanwhile', async () => {
    const word = `co${base.tag}`;
    const ids = await published(12, word);
    writes.length = 0;
    const announced = await Promise.all(
      ids.map((id) => processListingChange(ctx, { data: { type: 'achievement', id, change: 'published' } })),
    );
    expect(announced.every((a) => a?.visible)).toBe(true);
    expect(await found(word)).toEqual([...ids].sort());
    // one write for the twelve (one job each would have written twelve times)
    expect(writes.map((w) => [w.op, w.count])).toEqual([['upsert', 12]]);
    expect(writes.every((w) => w.openTransactions === 0)).toBe(true);
  });

  it('rebuilds and applies the thesaurus without a transaction open while the engine works', async () => {
    writes.length = 0;
    const [summary] = await reindex(
      { db: probeDb.db, engine: watched(real), namespace: ctx.config.queuePrefix },
      { types: ['achievement'] },
    );
    expect(summary!.indexed).toBeGreaterThanOrEqual(12);
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/admin/synonyms',
      headers: operator.headers,
      payload: { groups: [{ id: 'probe', terms: [`syn${base.tag}`, `co${base.tag}`] }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(writes.some((w) => w.op === 'setSynonyms')).toBe(true);
    expect(writes.filter((w) => w.openTransactions > 0)).toEqual([]);
    expect((await readThesaurus(probeDb.db, ctx.config.queuePrefix)).source).toBe('stored');
  });

  it('leaves the newest state when an older write reaches the engine last', async () => {
    const [id] = await published(1, `old${base.tag}`);
    let held = false;
    // the first write of this listing is held back until a newer version is committed and
    // indexed by another writer, then goes through: the older state lands last
    beforeWrite = async (w, docs) => {
      if (held || w.op !== 'upsert' || !docs.some((d) => d.id === id)) return;
      held = true;
      const res = await app.inject({
        method: 'PUT',
        url: `/v1/achievements/${id}`,
        headers: owner.headers,
        payload: achievementFixture(1, {
          ipItems: [],
          summary: `一种 new${base.tag} 正极材料连续化制备工艺`,
        }),
      });
      expect(res.statusCode, res.body).toBe(200);
      await applyCurrentState(probeDb.db, real, 'achievement', [id!]);
      expect(await found(`new${base.tag}`)).toEqual([id]);
    };
    try {
      const applied = await applyCurrentState(probeDb.db, watched(real), 'achievement', [id!]);
      expect(held).toBe(true);
      expect(applied.unsettled).toEqual([]);
    } finally {
      beforeWrite = async () => undefined;
    }
    expect(await found(`new${base.tag}`)).toEqual([id]);
    expect(await found(`old${base.tag}`)).toEqual([]);
  });
});
