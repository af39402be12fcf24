/**
 * Optional semantic retrieval against a small embeddings server started here (a provider is
 * outside the system): its vectors are deterministic, a fixed table mapping concept words to one
 * dimension each, so a need and an achievement sharing no word at all can be close. It checks the
 * plumbing (vectors stored with the documents, queries embedded, fusion), the failure handling (a
 * provider down, failing, slow or talking nonsense leaves matches lexical and indexing going) and
 * that nothing is asked of a provider when none is configured.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Meilisearch } from 'meilisearch';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import { type TestContext, testConfig } from '../../test/context.js';
import { createListing, ownSearchNamespace, publishListing } from '../../test/fixtures/matching.js';
import { freePort } from '../../test/ports.js';
import { eventually } from '../../test/wait.js';
import { catalogModule } from '../catalog/module.js';
import { createSearchEngine } from './create-engine.js';
import { contentHash, createEmbeddingsClient, parseEmbeddings } from './embeddings.js';
import { searchEngineFor } from './engine-instance.js';
import { readCurrentState } from './index-apply.js';
import { processListingChange } from './indexer.js';
import type { MeiliSearchEngine } from './meili-engine.js';
import { embedderName } from './meili-vectors.js';
import { matchingModule } from './module.js';
import { RANKING_VERSION, rankAchievementsForNeed } from './ranking.js';
import { reindex } from './reindex.js';
import { SemanticIndex, semanticIndexFor } from './semantic.js';

// ---- the fake provider --------------------------------------------------------------------------

/** Concept dimensions: any of these words adds 1 to its concept (dimension 0 is a small constant). */
const CONCEPTS: string[][] = [
  ['划痕', '挑拣', '漏检', '人眼', '瑕疵', '外观', '识别', '检测'],
  ['电池', '隔膜', '涂层', '电解'],
];

function conceptVector(text: string): number[] {
  const v = [0.2, ...CONCEPTS.map((words) => words.reduce((n, w) => n + text.split(w).length - 1, 0))];
  return v;
}

type Mode = 'ok' | 'fail500' | 'slow' | 'malformed' | 'extra';
const provider = {
  mode: 'ok' as Mode,
  /** inputs received, one entry per call */
  calls: [] as string[][],
  unauthorised: 0,
  server: undefined as Server | undefined,
  url: '',
};

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const body = JSON.parse(await readBody(req)) as { model: string; input: string[] };
  if (req.url !== '/v1/embeddings' || req.headers.authorization !== 'Bearer test-key') {
    provider.unauthorised++;
    res.writeHead(401).end();
    return;
  }
  provider.calls.push(body.input);
  const answer = (vectors: unknown[]) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        model: body.model,
        data: vectors.map((embedding, index) => ({ index, embedding })),
      }),
    );
  };
  switch (provider.mode) {
    case 'ok':
      return answer(body.input.map(conceptVector));
    case 'fail500':
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"overloaded"}');
      return;
    case 'slow':
      // answers after the query timeout (1.5 s)
      setTimeout(() => answer(body.input.map(conceptVector)), 3000).unref();
      return;
    case 'malformed':
      return answer(body.input.map(() => 'not a vector'));
    case 'extra':
      return answer([...body.input, 'one more'].map(conceptVector));
  }
}

// ---- the app --------------------------------------------------------------------------------------

const warnings: string[] = [];
const fixture = useTestApp([catalogModule.routes!, matchingModule.routes!], {
  env: async () => {
    const port = await freePort();
    provider.server = createServer((req, res) => {
      handle(req, res).catch(() => res.writeHead(500).end());
    });
    provider.server.listen(port, '127.0.0.1');
    await once(provider.server, 'listening');
    provider.url = `http://127.0.0.1:${port}`;
    return {
      ...ownSearchNamespace(),
      EMBEDDINGS_URL: provider.url,
      EMBEDDINGS_MODEL: 'fake/concepts-v1',
      EMBEDDINGS_API_KEY: 'test-key',
    };
  },
});
afterAll(async () => {
  provider.server?.closeAllConnections();
  await new Promise((r) => provider.server?.close(r));
});

let ctx: TestContext;
let app: FastifyInstance;
const ids: Record<string, string> = {};

/** Published through the API, then indexed by the indexer's own batched path (embeddings hook included). */
async function publishAndIndex(
  kind: 'achievement' | 'need',
  actors: { owner: TestActor; reviewer: TestActor },
  over: Record<string, unknown>,
) {
  const id = await publishListing(ctx, app, kind, actors, over);
  const applied = await processListingChange(ctx, { data: { type: kind, id, change: 'published' } });
  expect(applied?.visible).toBe(true);
  return id;
}

beforeAll(async () => {
  ({ ctx, app } = fixture);
  // warnings of the embeddings component, as the service logs them
  ctx.logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  // Latin organisation names: the indexed owner name must not give the texts a common word
  const lab = await createActor(ctx, { organisation: await createOrganisation(ctx, { name: 'Aurora Lab' }) });
  const works = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { name: 'Boreal Works' }),
  });
  const operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
  const uni = { owner: lab, reviewer: operator };
  const common = { field: '02', trl: 6, regionCode: '320115', ipItems: [] };
  // shares no character with the need below: only its meaning is close
  ids.meaning = await publishAndIndex('achievement', uni, {
    ...common,
    title: '工业外观瑕疵自动识别系统',
    summary: '深度卷积网络识别工业品外观瑕疵',
    description: '采用卷积神经网络对工业品外观瑕疵进行自动识别。',
    indicators: ['识别准确率高'],
    keywords: ['瑕疵识别'],
  });
  ids.words = await publishAndIndex('achievement', uni, {
    ...common,
    title: '零件表面划痕检测装置',
    summary: '零件表面划痕检测',
    description: '零件表面划痕的在线检测。',
    indicators: ['划痕宽度十微米'],
    keywords: ['划痕检测'],
  });
  ids.far = await publishAndIndex('achievement', uni, {
    ...common,
    title: '锂电池隔膜陶瓷涂层技术',
    summary: '隔膜耐高温',
    description: '陶瓷涂层隔膜，提高锂电池安全性。',
    indicators: ['热收缩小'],
    keywords: ['隔膜'],
  });
  ids.need = await publishAndIndex(
    'need',
    { owner: works, reviewer: operator },
    {
      title: '零件划痕靠人眼挑拣',
      description: '产线上零件表面划痕靠人眼挑拣，夜班漏检多。',
      targetIndicators: ['漏检少于万分之一'],
      keywords: ['划痕'],
      field: '02',
      minTrl: 5,
      regionCode: '320115',
    },
  );
});

const needDocument = async () =>
  (await readCurrentState(ctx.database.db, 'need', [ids.need!])).get(ids.need!)!.doc!;

type MatchItem = {
  id: string;
  reasons: string[];
  matchedTerms: string[];
  breakdown: Record<string, number>;
};

describe('semantic retrieval (EMBEDDINGS_URL)', () => {
  it('stores a vector with each indexed listing, embedding its public text with the bearer key', async () => {
    const semantic = semanticIndexFor(ctx)!;
    await eventually('every listing has its vector', async () => {
      await semantic.flush();
      return (await semantic.store.count('achievement')) === 3 && (await semantic.store.count('need')) === 1;
    });
    expect(provider.unauthorised).toBe(0);
    const sent = provider.calls.flat();
    expect(sent.some((t) => t.includes('工业外观瑕疵自动识别系统'))).toBe(true);
    // public text only: the contacts of the fixture are never sent
    expect(sent.some((t) => t.includes('13812345678'))).toBe(false);
    // unchanged text is not embedded again
    const before = provider.calls.length;
    await processListingChange(ctx, { data: { type: 'achievement', id: ids.words!, change: 'updated' } });
    await semantic.flush();
    expect(provider.calls.length).toBe(before);
  });

  it('fuses the neighbours in: a listing sharing no word with the need is found, and says why', async () => {
    // the vectors in memory (a query waits for them only FIRST_LOAD_WAIT_MS)
    await semanticIndexFor(ctx)!.store.warm('achievement');
    const lexical = await rankAchievementsForNeed(await searchEngineFor(ctx), await needDocument());
    expect(lexical.matches.map((m) => m.id)).not.toContain(ids.meaning);

    const res = await app.inject({ method: 'GET', url: `/v1/needs/${ids.need}/matches` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { rankingVersion: string; items: MatchItem[] };
    expect(body.rankingVersion).toBe(`${RANKING_VERSION}-emb:fake_concepts-v1`);
    const byId = new Map(body.items.map((m) => [m.id, m]));
    expect(byId.has(ids.words!)).toBe(true);
    const meaning = byId.get(ids.meaning!);
    expect(meaning, JSON.stringify(body.items)).toBeDefined();
    expect(meaning!.reasons[0]).toMatch(/^语义相近（相似度 [01]\.\d\d）$/);
    // it claims no keyword it does not have
    expect(meaning!.matchedTerms).toEqual([]);
    expect(meaning!.reasons.join()).not.toMatch(/关键词|近义|弱相关/);
    expect(meaning!.breakdown.text).toBe(0);
    expect(meaning!.breakdown.semantic).toBeGreaterThan(0.9);
    // far in meaning and in words: no match at all
    expect(byId.has(ids.far!)).toBe(false);
    // the ad-hoc query is embedded too
    const q = await app.inject({
      method: 'POST',
      url: '/v1/matches/query',
      payload: { text: '夜班人眼挑拣零件划痕，漏检多' },
    });
    expect(q.statusCode, q.body).toBe(200);
    expect((q.json() as { items: MatchItem[] }).items.map((m) => m.id)).toContain(ids.meaning);
  });

  it('never surfaces a listing the engine would not show, whatever vector is stored for it', async () => {
    const semantic = semanticIndexFor(ctx)!;
    const lab = await createActor(ctx, {
      organisation: await createOrganisation(ctx, { name: 'Delta Lab' }),
    });
    const draft = await createListing(app, 'achievement', lab, {
      field: '02',
      title: '外观瑕疵识别草稿',
      ipItems: [],
    });
    // a vector as close to the need as can be, for a draft the index does not hold
    await semantic.store.save('achievement', [
      { id: draft, contentHash: 'stale', vector: conceptVector('划痕 人眼 挑拣 漏检') },
    ]);
    const res = await app.inject({ method: 'GET', url: `/v1/needs/${ids.need}/matches` });
    const body = res.json() as { rankingVersion: string; items: MatchItem[] };
    expect(body.rankingVersion).toContain('-emb:');
    expect(body.items.map((m) => m.id)).toContain(ids.meaning);
    expect(body.items.map((m) => m.id)).not.toContain(draft);
    await semantic.store.remove('achievement', [draft]);
  });

  it('answers lexically, with a warning, when the provider fails a query', async () => {
    provider.mode = 'fail500';
    warnings.length = 0;
    try {
      const res = await app.inject({ method: 'GET', url: `/v1/needs/${ids.need}/matches` });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { rankingVersion: string; items: MatchItem[] };
      expect(body.rankingVersion).toBe(RANKING_VERSION);
      expect(body.items.map((m) => m.id)).toContain(ids.words);
      expect(body.items.map((m) => m.id)).not.toContain(ids.meaning);
      expect(body.items.every((m) => m.breakdown.semantic === undefined)).toBe(true);
      expect(warnings.join('\n')).toContain('embeddings unavailable for a match query');
      expect(warnings.join('\n')).toContain('answered 500');
      expect(warnings.join('\n')).not.toContain('test-key');
    } finally {
      provider.mode = 'ok';
    }
  });

  it.each([
    ['fail500', 'answered 500'],
    ['slow', 'timed out after 1500 ms'],
    ['malformed', 'no embedding'],
    ['extra', '2 vectors for 1 inputs'],
    ['down', 'unreachable'],
  ] as const)('ranks lexically when the provider is %s', async (mode, message) => {
    const logged: string[] = [];
    const url = mode === 'down' ? `http://127.0.0.1:${await freePort()}` : provider.url;
    const client = createEmbeddingsClient({
      ...loadConfig({
        EMBEDDINGS_URL: url,
        EMBEDDINGS_MODEL: 'fake/concepts-v1',
        EMBEDDINGS_API_KEY: 'test-key',
      }).embeddings!,
    });
    const semantic = new SemanticIndex(
      ctx.database.db,
      ctx.config.queuePrefix,
      client,
      { weight: 0.5, minSimilarity: 0.5 },
      { warn: (obj: object, msg: string) => void logged.push(`${msg} ${JSON.stringify(obj)}`) },
      { pauseAfterFailureMs: 0 },
    );
    if (mode !== 'down') provider.mode = mode;
    try {
      const ranked = await rankAchievementsForNeed(await searchEngineFor(ctx), await needDocument(), {
        semantic,
      });
      expect(ranked.rankingVersion).toBeUndefined();
      expect(ranked.matches.map((m) => m.id)).toContain(ids.words);
      expect(ranked.matches.map((m) => m.id)).not.toContain(ids.meaning);
      expect(logged.join('\n')).toContain(message);
    } finally {
      provider.mode = 'ok';
    }
  });

  it('indexes lexically while the provider fails, and fills the vector once it is back', async () => {
    const semantic = semanticIndexFor(ctx)!;
    provider.mode = 'fail500';
    warnings.length = 0;
    let id: string;
    try {
      const operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
      const lab = await createActor(ctx, {
        organisation: await createOrganisation(ctx, { name: 'Cobalt Lab' }),
      });
      id = await publishAndIndex(
        'achievement',
        { owner: lab, reviewer: operator },
        {
          field: '02',
          title: '外观瑕疵复检工作站',
          summary: '外观瑕疵复检',
          description: '对外观瑕疵进行复检。',
          indicators: ['复检'],
          keywords: ['复检'],
          ipItems: [],
        },
      );
      // searchable at once, without its vector
      const found = await app.inject({ method: 'GET', url: '/v1/search?q=复检&type=achievement' });
      expect(found.json().items.map((i: { id: string }) => i.id)).toContain(id);
      await semantic.flush();
      expect((await semantic.store.hashes('achievement', [id])).size).toBe(0);
      expect(semantic.waiting('achievement')).toBe(1);
      expect(warnings.join('\n')).toContain('documents stay indexed without vectors');
    } finally {
      provider.mode = 'ok';
    }
    // the retry (2 s, then doubling) fills it (on Meilisearch: stored, then put in its document)
    await eventually(
      'the vector is filled after the outage',
      async () =>
        (await semantic.store.hashes('achievement', [id])).size === 1 &&
        semantic.waiting('achievement') === 0,
    );
  });

  it('drops the vector of a listing that leaves the index', async () => {
    const semantic = semanticIndexFor(ctx)!;
    const states = new Map([[ids.far!, undefined]]);
    semantic.schedule('achievement', states);
    await semantic.flush();
    expect((await semantic.store.hashes('achievement', [ids.far!])).size).toBe(0);
  });

  it('is off by default: no provider, no semantic index', () => {
    expect(loadConfig({}).embeddings).toBeUndefined();
    expect(semanticIndexFor({ ...ctx, config: loadConfig({ QUEUE_PREFIX: 'x' }) })).toBeUndefined();
  });
});

// ---- Meilisearch: the vectors in its documents, the neighbours from its vector search ------------

/** The raw Meilisearch index of a listing type, to look at what the adapter stored. */
function meiliIndex(type: 'achievement' | 'need') {
  const meili = ctx.config.meili!;
  return new Meilisearch({ host: meili.url, apiKey: meili.masterKey }).index(
    `${ctx.config.queuePrefix}_${type}`,
  );
}
/** An achievement's Meilisearch document with its vectors (the adapter's key: the id in base64url). */
async function meiliDocument(id: string): Promise<Record<string, unknown>> {
  const key = Buffer.from(id, 'utf8').toString('base64url');
  const { results } = await meiliIndex('achievement').getDocuments({
    filter: `key = "${key}"`,
    retrieveVectors: true,
    limit: 1,
  });
  return results[0]!;
}
type VectorsField = Record<string, { embeddings: number[][]; regenerate: boolean }>;

describe.skipIf(!inject('meiliUrl'))('semantic retrieval on Meilisearch (MEILI_URL)', () => {
  const name = embedderName('fake/concepts-v1', undefined);

  it('keeps each listing vector in its Meilisearch document, under a user-provided embedder', async () => {
    const semantic = semanticIndexFor(ctx)!;
    await semantic.flush();
    expect(await meiliIndex('achievement').getEmbedders()).toEqual({
      [name]: { source: 'userProvided', dimensions: 3 },
    });
    const stored = await semantic.store.vectors('achievement', [ids.meaning!]);
    const doc = await meiliDocument(ids.meaning!);
    const vectors = doc._vectors as VectorsField;
    expect(vectors[name]!.regenerate).toBe(false);
    expect(vectors[name]!.embeddings).toEqual([stored.get(ids.meaning!)!.vector]);
    // an indexer upsert of unchanged text keeps the vector in the document (it is written with it)
    await processListingChange(ctx, { data: { type: 'achievement', id: ids.meaning!, change: 'updated' } });
    const again = await meiliDocument(ids.meaning!);
    expect((again._vectors as VectorsField)[name]!.embeddings).toHaveLength(1);
  });

  it('takes the neighbours from Meilisearch vector search, not from this process', async () => {
    const semantic = semanticIndexFor(ctx)!;
    const engine = (await searchEngineFor(ctx)) as MeiliSearchEngine;
    // An earlier test's failed query paused the provider for queries (PAUSE_AFTER_FAILURE_MS):
    // wait until the app's match queries use it again, so the check below is about where the
    // neighbours come from, not about that pause.
    await eventually('match queries use the embeddings provider again', async () => {
      const res = await app.inject({ method: 'GET', url: `/v1/needs/${ids.need}/matches` });
      return (res.json() as { rankingVersion: string }).rankingVersion.includes('-emb:');
    });
    // Meilisearch's own answer: the listing sharing no word, with its cosine similarity
    const query = conceptVector('零件划痕靠人眼挑拣，夜班漏检多');
    const found = await engine.vectors!.nearest('achievement', query, 10, 0.5);
    const cosine = (a: number[], b: number[]) =>
      a.reduce((n, x, i) => n + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
    const meaning = found.find((n) => n.id === ids.meaning);
    expect(meaning, JSON.stringify(found)).toBeDefined();
    expect(meaning!.similarity).toBeCloseTo(
      cosine(query, (await semantic.store.vectors('achievement', [ids.meaning!])).get(ids.meaning!)!.vector),
      4,
    );
    expect(found.map((n) => n.id)).not.toContain(ids.far);
    // PostgreSQL's copy gone: the match still finds it by meaning, so the neighbours came from Meilisearch
    const kept = (await semantic.store.vectors('achievement', [ids.meaning!])).get(ids.meaning!)!;
    await semantic.store.remove('achievement', [ids.meaning!]);
    try {
      expect(await semantic.store.nearest('achievement', query, 10, 0.5)).not.toContainEqual(
        expect.objectContaining({ id: ids.meaning }),
      );
      const res = await app.inject({ method: 'GET', url: `/v1/needs/${ids.need}/matches` });
      expect(res.statusCode, res.body).toBe(200);
      const item = (res.json() as { items: MatchItem[] }).items.find((m) => m.id === ids.meaning);
      expect(item, res.body).toBeDefined();
      expect(item!.reasons[0]).toMatch(/^语义相近/);
    } finally {
      await semantic.store.save('achievement', [kept]);
    }
  });

  it('a new (wiped) Meilisearch: reindex writes the stored vectors back and makes the embedder again', async () => {
    const calls = provider.calls.length;
    await ((await searchEngineFor(ctx)) as MeiliSearchEngine).dropIndexes();
    // a process started after the volume was lost (its engine has seen no embedder)
    const fresh = createSearchEngine(ctx.config, ctx.database) as MeiliSearchEngine;
    await fresh.ensureSetup();
    expect(await meiliIndex('achievement').getEmbedders()).toEqual({});
    const semantic = new SemanticIndex(
      ctx.database.db,
      ctx.config.queuePrefix,
      createEmbeddingsClient(ctx.config.embeddings!),
      ctx.config.embeddings!,
      { warn: () => undefined },
      { engineVectors: async () => fresh.vectors },
    );
    try {
      await reindex(
        { db: ctx.database.db, engine: fresh, namespace: ctx.config.queuePrefix },
        { onApplied: (type, docs) => semantic.schedule(type, docs) },
      );
      await semantic.syncEngine();
      // a listing with a stored vector is not embedded again: it came from PostgreSQL (a listing
      // whose vector an earlier test dropped is)
      expect(provider.calls.slice(calls).flat().join()).not.toContain('工业外观瑕疵自动识别系统');
      expect(await meiliIndex('achievement').getEmbedders()).toEqual({
        [name]: { source: 'userProvided', dimensions: 3 },
      });
      const doc = await meiliDocument(ids.meaning!);
      expect((doc._vectors as VectorsField)[name]!.embeddings).toHaveLength(1);
      const found = await fresh.vectors!.nearest('achievement', conceptVector('人眼挑拣漏检'), 10, 0.5);
      expect(found.map((n) => n.id)).toContain(ids.meaning);
    } finally {
      semantic.close();
    }
  }, 180_000);

  it('a change of model is a new embedder: the old one is removed, and reindex pushes the vectors again', async () => {
    const calls = provider.calls.length;
    const config = testConfig({
      QUEUE_PREFIX: ctx.config.queuePrefix,
      EMBEDDINGS_URL: provider.url,
      EMBEDDINGS_MODEL: 'fake/concepts-v2',
      EMBEDDINGS_API_KEY: 'test-key',
    });
    // the engine the service builds for this configuration (create-engine.ts): another model
    const next = createSearchEngine(config, ctx.database) as MeiliSearchEngine;
    await next.ensureSetup();
    const v2 = embedderName('fake/concepts-v2', undefined);
    expect(Object.keys((await meiliIndex('achievement').getEmbedders()) ?? {})).toEqual([]);
    const semantic = new SemanticIndex(
      ctx.database.db,
      config.queuePrefix,
      createEmbeddingsClient(config.embeddings!),
      config.embeddings!,
      { warn: () => undefined },
      { engineVectors: async () => next.vectors },
    );
    try {
      await reindex(
        { db: ctx.database.db, engine: next, namespace: config.queuePrefix },
        { types: ['achievement'], onApplied: (type, docs) => semantic.schedule(type, docs) },
      );
      await semantic.flush();
      expect(provider.calls.length).toBeGreaterThan(calls);
      expect(await meiliIndex('achievement').getEmbedders()).toEqual({
        [v2]: { source: 'userProvided', dimensions: 3 },
      });
      const doc = await meiliDocument(ids.meaning!);
      expect(Object.keys(doc._vectors as VectorsField)).toEqual([v2]);
      expect((doc._vectors as VectorsField)[v2]!.embeddings).toHaveLength(1);
      const found = await next.vectors!.nearest('achievement', conceptVector('人眼挑拣漏检'), 10, 0.5);
      expect(found.map((n) => n.id)).toContain(ids.meaning);

      // the provider's size changes under the same model name: the embedder is made afresh
      expect(await next.vectors!.ensureEmbedder('achievement', 4)).toBe(true);
      expect(await meiliIndex('achievement').getEmbedders()).toEqual({
        [v2]: { source: 'userProvided', dimensions: 4 },
      });
      await next.vectors!.put('achievement', [{ id: ids.meaning!, vector: [0.2, 0, 0, 1] }]);
      const four = await next.vectors!.nearest('achievement', [0, 0, 0, 1], 10, 0.5);
      expect(four.map((n) => n.id)).toEqual([ids.meaning]);
      // the stored vectors of the old size are written as null: the index takes the listings
      await reindex(
        { db: ctx.database.db, engine: next, namespace: config.queuePrefix },
        { types: ['achievement'] },
      );
      const written = await meiliDocument(ids.words!);
      expect((written._vectors as VectorsField)[v2]!.embeddings).toEqual([]);
    } finally {
      // the last test on this file's indexes: nothing needs the first model's embedder after it
      semantic.close();
    }
    // a reindex and an embedder made afresh: several Meilisearch tasks, seconds each on a busy machine
  }, 180_000);
});

describe('the content hash a vector is stored under', () => {
  it('covers the model and EMBEDDINGS_DIMENSIONS, and is the earlier one without dimensions', () => {
    const text = '工业外观瑕疵自动识别系统';
    const v1 = contentHash({ model: 'm1', dimensions: undefined }, text);
    // vectors stored before the dimensions counted are not embedded again
    expect(v1).toBe(createHash('sha256').update(`m1\n${text}`).digest('base64url'));
    expect(contentHash({ model: 'm2', dimensions: undefined }, text)).not.toBe(v1);
    expect(contentHash({ model: 'm1', dimensions: 256 }, text)).not.toBe(v1);
    expect(contentHash({ model: 'm1', dimensions: 256 }, text)).not.toBe(
      contentHash({ model: 'm1', dimensions: 512 }, text),
    );
    // so is the Meilisearch embedder's name
    expect(embedderName('m1', 256)).not.toBe(embedderName('m1', 512));
    expect(embedderName('m1', undefined)).toMatch(/^emb_[0-9a-f]{12}$/);
  });
});

describe('the provider answer', () => {
  it('is checked: one finite vector per input, one dimension for all', () => {
    expect(
      parseEmbeddings(
        {
          data: [
            { index: 1, embedding: [0, 1] },
            { index: 0, embedding: [1, 0] },
          ],
        },
        2,
        undefined,
      ),
    ).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(() => parseEmbeddings({ data: [{ index: 0, embedding: [1, 0] }] }, 2, undefined)).toThrow(
      /1 vectors for 2/,
    );
    expect(() => parseEmbeddings({ data: [{ index: 0, embedding: [1, 0, 1] }] }, 1, 2)).toThrow(
      /3 dimensions/,
    );
    expect(() => parseEmbeddings({ data: [{ index: 0, embedding: [0, 0] }] }, 1, undefined)).toThrow(/zeros/);
    expect(() => parseEmbeddings({ data: [{ index: 0, embedding: [1, '1'] }] }, 1, undefined)).toThrow(
      /non-numeric/,
    );
    expect(() =>
      parseEmbeddings(
        {
          data: [
            { index: 0, embedding: [1] },
            { index: 0, embedding: [1] },
          ],
        },
        2,
        undefined,
      ),
    ).toThrow(/repeated/);
    expect(() => parseEmbeddings({ error: 'x' }, 1, undefined)).toThrow(/no data/);
  });
});
