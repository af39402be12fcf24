/**
 * The same API on Meilisearch (bench-match.ts, when MEILI_URL is set): a second app on the same
 * database whose configuration names Meilisearch, its index rebuilt by `reindex` from the listings
 * already published (the judged sets and the demo catalog), then queried through app.inject for
 * quality, and over HTTP for latency once the generated achievements are in its index too
 * (`latency`, the same measure as the embedded engine's in bench-match.ts).
 */
import os from 'node:os';
import { generateDemo } from '../../src/modules/catalog/demo/demo-data.js';
import { MODULES } from '../../src/modules/index.js';
import { searchEngineFor } from '../../src/modules/matching/engine-instance.js';
import { reindex } from '../../src/modules/matching/reindex.js';
import { createDatabase } from '../../src/platform/db.js';
import { buildApp } from '../../src/platform/http/app.js';
import type { ModuleContext } from '../../src/platform/module.js';
import type { Runtime } from '../../src/platform/runtime.js';
import { achievementDocument, percentile } from './match-quality.js';

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export async function meiliApi(runtime: Runtime, meili: { url: string; masterKey: string | undefined }) {
  // a database object of its own: engines are kept per database (engine-instance.ts)
  const database = createDatabase(runtime.ctx.database.pool.options.connectionString!, { max: 4 });
  const ctx: ModuleContext = { ...runtime.ctx, database, config: { ...runtime.config, meili } };
  // the catalog and matching routes only: other modules register process-wide metrics, which a
  // second app in this process may not register again
  const app = await buildApp(
    ctx,
    MODULES.filter((m) => m.name === 'catalog' || m.name === 'matching').flatMap((m) =>
      m.routes ? [m.routes] : [],
    ),
    MODULES.flatMap((m) => m.plugins ?? []),
  );
  const engine = await searchEngineFor(ctx);
  await engine.reset();
  await reindex(
    { db: database.db, engine, namespace: ctx.config.queuePrefix },
    { types: ['achievement', 'need'] },
  );
  return {
    engine,
    async get(url: string) {
      const res = await app.inject({ method: 'GET', url });
      if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
      return res.json() as { items: { id: string }[] };
    },
    /**
     * p50/p95 of `GET /v1/needs/{id}/matches` over HTTP on Meilisearch with `total` generated
     * achievements added to its index (the same generator, ids and dates as the embedded engine's
     * latency part), `rounds` passes over the given needs after a warm-up.
     */
    async latency(needIds: string[], total: number, rounds: number) {
      const now = Date.now();
      const started = Date.now();
      let indexed = 0;
      for (let seed = 1; indexed < total; seed++) {
        const docs = generateDemo(seed)
          .achievements.slice(0, total - indexed)
          .map((a, i) =>
            achievementDocument(
              a,
              `gen-${seed}-${a.externalId}`,
              new Date(now - i * 3_600_000).toISOString(),
            ),
          );
        for (let i = 0; i < docs.length; i += 1000) await engine.upsert(docs.slice(i, i + 1000));
        indexed += docs.length;
        process.stdout.write(`\rmeilisearch: indexing generated achievements: ${indexed}/${total}`);
      }
      console.log(` (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const get = async (url: string) => {
        const res = await fetch(`${address}${url}`);
        if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      };
      for (const id of needIds.slice(0, 20)) await get(`/v1/needs/${id}/matches`); // warm-up
      const times: number[] = [];
      const loadBefore = load();
      const cpuBefore = process.cpuUsage();
      for (let round = 0; round < rounds; round++) {
        for (const id of needIds) {
          const t0 = performance.now();
          await get(`/v1/needs/${id}/matches`);
          times.push(performance.now() - t0);
        }
      }
      const cpu = process.cpuUsage(cpuBefore);
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      console.log(
        `meilisearch: GET /v1/needs/{id}/matches over HTTP, ${total} generated achievements added, ` +
          `${times.length} requests: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms ` +
          `(target ≤ 50 ms: ${p95 <= 50 ? 'ok' : 'MISS'}); node CPU ${((cpu.user + cpu.system) / 1000 / times.length).toFixed(1)} ms/request ` +
          `(Meilisearch's own CPU not counted); load average ${loadBefore} before, ${load()} after, on ${os.cpus().length} CPUs`,
      );
    },
    async close() {
      await engine.reset();
      await app.close();
      await database.close();
    },
  };
}
