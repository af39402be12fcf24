/**
 * What the Meilisearch adapter does when the server is not what it expects: too old, silent or
 * gone. The server is an outside thing, so small fakes stand in for it here (the real server runs
 * the contract in engine.contract.test.ts when MEILI_URL is set); an index deleted under a running
 * process is played on the real server (MEILI_URL).
 */
import http from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Meilisearch } from 'meilisearch';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { newId } from '../../platform/ids.js';
import { useTestApp } from '../../test/app.js';
import { ownSearchNamespace } from '../../test/fixtures/matching.js';
import { checkSearchEngineAtStart } from './create-engine.js';
import { searchEngineFor } from './engine-instance.js';
import { compareVersions, MEILI_MIN_VERSION, MeiliSearchEngine, MeiliVersionError } from './meili-engine.js';
import { matchingModule } from './module.js';

/** A fake Meilisearch answering GET /version with `version` (and 404 to anything else). */
async function fakeMeili(version: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pkgVersion: version, commitSha: 'x', commitDate: '2024-01-01' }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** A server that accepts connections and never answers (a hung Meilisearch, a dead route). */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('Meilisearch server version', () => {
  it('compares dotted versions', () => {
    expect(compareVersions('1.12.0', MEILI_MIN_VERSION)).toBe(-1);
    expect(compareVersions('1.50.0', '1.50')).toBe(0);
    expect(compareVersions('1.50.1', MEILI_MIN_VERSION)).toBe(1);
    expect(compareVersions('2.0.0-rc.1', MEILI_MIN_VERSION)).toBe(1);
  });

  it('refuses a server older than the tested version, naming both versions', async () => {
    const fake = await fakeMeili('1.12.0');
    try {
      const engine = new MeiliSearchEngine({ url: fake.url, apiKey: 'k'.repeat(16) });
      const failure = await engine.ensureSetup().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(MeiliVersionError);
      expect(String((failure as Error).message)).toMatch(/1\.12\.0.*1\.50\.0/);
    } finally {
      await fake.close();
    }
  });

  it('stops the service from starting on an older server, not on an unreachable one', async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_: object, msg: string) => warnings.push(msg) };
    const fake = await fakeMeili('1.12.0');
    try {
      await expect(
        checkSearchEngineAtStart(new MeiliSearchEngine({ url: fake.url }), logger),
      ).rejects.toThrow(/1\.12\.0/);
    } finally {
      await fake.close();
    }
    const gone = new MeiliSearchEngine({ url: `http://127.0.0.1:${await closedPort()}` });
    await expect(checkSearchEngineAtStart(gone, logger)).resolves.toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/unreachable/)]);
  });

  it('accepts the tested version', async () => {
    const fake = await fakeMeili('1.50.0');
    try {
      await expect(new MeiliSearchEngine({ url: fake.url }).checkVersion()).resolves.toBe('1.50.0');
    } finally {
      await fake.close();
    }
  });
});

describe('Meilisearch outage', () => {
  it('fails a search on a silent server with search-unavailable instead of hanging', async () => {
    const silent = await silentServer();
    try {
      const engine = new MeiliSearchEngine({ url: silent.url, searchTimeoutMs: 300 });
      for (const run of [
        () => engine.search({ type: 'achievement', q: '电池' }),
        () => engine.search({ type: 'achievement', q: '电池 热管理', match: 'any' }),
        () => engine.ping(),
        // the matching ranker's requests: frequencies and candidates
        () => engine.corpusStats('achievement', ['电池', '热管理']),
        () => engine.candidates({ type: 'achievement', select: ['电池'], lexemes: ['电池'], limit: 200 }),
        // known candidates (the feedback pass, the extension) are fetched by key
        () =>
          engine.candidates({
            type: 'achievement',
            select: ['电池'],
            lexemes: ['电池'],
            filters: { ids: ['a1'] },
            limit: 1,
          }),
      ]) {
        await expect(run()).rejects.toMatchObject({ status: 503, code: 'search-unavailable' });
      }
    } finally {
      await silent.close();
    }
  });

  describe('GET /v1/search while Meilisearch is down', () => {
    let app: FastifyInstance;
    const fixture = useTestApp([matchingModule.routes!], {
      env: async () => ({ MEILI_URL: `http://127.0.0.1:${await closedPort()}` }),
    });
    beforeAll(() => {
      ({ app } = fixture);
    });

    it('answers a 503 problem saying search is unavailable', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/search?q=%E7%94%B5%E6%B1%A0&type=achievement',
        headers: { 'accept-language': 'en' },
      });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 503, title: 'Search is unavailable' });
      expect(res.json().type).toMatch(/search-unavailable$/);
      expect(res.headers['retry-after']).toBe('5');
    });

    it('answers a match request with the same 503 problem, never a 500', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/matches/query',
        payload: { text: '锂离子电池正极材料高温循环' },
      });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().type).toMatch(/search-unavailable$/);
    });
  });
});

/**
 * Against the real server (MEILI_URL): an index that goes away under a running process (a wiped
 * volume, an operator's mistake) must not turn matches into 500s. Meilisearch answers
 * `index_not_found` (404) to the ranker's frequency and candidate requests; the caller did
 * nothing wrong, so the answer is the 503 problem with Retry-After, as for an outage.
 */
describe.skipIf(!inject('meiliUrl'))('Meilisearch index gone under a running process', () => {
  const fixture = useTestApp([matchingModule.routes!], { env: ownSearchNamespace() });
  const text = '锂离子电池正极材料高温循环稳定化';
  const match = () =>
    fixture.app.inject({ method: 'POST', url: '/v1/matches/query', payload: { text, limit: 5 } });

  it('answers matches with 503 search-unavailable and Retry-After, not 500', async () => {
    const engine = await searchEngineFor(fixture.ctx);
    expect(engine.kind).toBe('meilisearch');
    await engine.upsert([
      {
        id: newId(),
        type: 'achievement',
        title: '高镍锂离子电池正极材料高温循环稳定化技术',
        summary: '正极材料表面包覆，高温循环衰减降低一半',
        keywords: ['正极材料', '高温循环'],
        status: 'published',
        updatedAt: new Date().toISOString(),
      },
    ]);
    const before = await match();
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json().items).toHaveLength(1);

    // the achievement index is deleted behind the process's back
    const client = new Meilisearch({ host: inject('meiliUrl')!, apiKey: inject('meiliKey') });
    const task = await client.deleteIndex(`${fixture.ctx.config.queuePrefix}_achievement`).waitTask();
    expect(task.status).toBe('succeeded');

    // the same text (its frequencies cached) and another one (asked again)
    for (const payload of [{ text, limit: 5 }, { text: '碳化硅功率器件封装散热' }]) {
      const res = await fixture.app.inject({ method: 'POST', url: '/v1/matches/query', payload });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().type).toMatch(/search-unavailable$/);
    }
    // and a search too
    const search = await fixture.app.inject({ method: 'GET', url: '/v1/search?q=%E7%94%B5%E6%B1%A0' });
    expect(search.statusCode, search.body).toBe(503);
  });
});
