/**
 * `npm run bench:meili`: indexing throughput on Meilisearch (issue 17), measured through the
 * service's own path.
 *
 * 1. Publication: 10,000 achievements batch-published through the catalog (`upsertBatch`, as
 *    `POST /v1/achievements/batch` does), indexed by the running workers (outbox →
 *    `catalog.changed` → coalesced batches). Prints how long after the last publication all of
 *    them are searchable (target ≤ 30 s).
 * 2. Baseline in the same run: the old indexer's way, one document per task, each waited for;
 *    printed as documents per second beside the batched path's, and their ratio.
 * 3. `techex reindex` (the same `reindex` with the CLI's progress reporter) of 100,000 documents
 *    into a fresh index (target: minutes).
 *
 * Meilisearch: MEILI_URL / MEILI_MASTER_KEY when set, else `../shared/bin/meilisearch` started on
 * a loopback port in 7900–7999 with a fresh database folder and a random master key, stopped at
 * the end. PostgreSQL: an embedded one of the run's own. Sizes: BENCH_MEILI_PUBLISH (10000),
 * BENCH_MEILI_REINDEX (100000), BENCH_MEILI_BASELINE (300).
 *
 * `runMeiliIndexingBench()` is the hook for `npm run bench:match` to print the same section.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Meilisearch } from 'meilisearch';
import pino from 'pino';
import { upsertBatch } from '../../src/modules/catalog/batch.js';
import { listPublicListings } from '../../src/modules/catalog/service.js';
import { SYSTEM } from '../../src/modules/catalog/views.js';
import { insertOrganisation } from '../../src/modules/identity/repository.js';
import { MODULES } from '../../src/modules/index.js';
import { MeiliSearchEngine } from '../../src/modules/matching/meili-engine.js';
import { listingDocument } from '../../src/modules/matching/projection.js';
import { reindex } from '../../src/modules/matching/reindex.js';
import { progressReporter } from '../../src/modules/matching/reindex-cli.js';
import { loadConfig } from '../../src/platform/config.js';
import type { Db } from '../../src/platform/db.js';
import { startEmbeddedPostgres } from '../../src/platform/embedded-postgres.js';
import { startRuntime } from '../../src/platform/runtime.js';
import { achievementFixture } from '../../src/test/fixtures/catalog.js';

const PUBLISH = Number(process.env.BENCH_MEILI_PUBLISH ?? 10_000);
const REINDEX = Number(process.env.BENCH_MEILI_REINDEX ?? 100_000);
const BASELINE = Number(process.env.BENCH_MEILI_BASELINE ?? 300);
const BATCH = 1000;
const PUBLISH_TARGET_S = 30;

const root = fileURLToPath(new URL('../..', import.meta.url));
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const perSecond = (n: number, ms: number) => (n / (ms / 1000)).toFixed(0);

interface Meili {
  url: string;
  key: string | undefined;
  stop(): Promise<void>;
}

/** The configured Meilisearch, or ../shared/bin/meilisearch on a loopback port of its own. */
async function meilisearch(): Promise<Meili> {
  if (process.env.MEILI_URL) {
    return { url: process.env.MEILI_URL, key: process.env.MEILI_MASTER_KEY, stop: async () => undefined };
  }
  const bin = path.resolve(root, '../shared/bin/meilisearch');
  await fs.access(bin).catch(() => {
    throw new Error(`no MEILI_URL and no ${bin}: nothing to measure`);
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-meili-'));
  const key = randomBytes(24).toString('hex');
  const port = 7900 + Math.floor(Math.random() * 100);
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    ['--db-path', `${dir}/data`, '--http-addr', `127.0.0.1:${port}`, '--master-key', key, '--no-analytics'],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await fs.rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 100) {
      await stop();
      throw new Error(`Meilisearch did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, key, stop };
}

async function embeddedPostgres() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-meili-pg-'));
  await fs.chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: dir,
    password: randomBytes(16).toString('hex'),
    database: 'techex_bench',
    logger: pino({ level: 'warn' }),
    settings: { fsync: 'off', synchronous_commit: 'off', shared_buffers: '256MB' },
  });
  return {
    url: server.url,
    async drop() {
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Publishes `n` achievements in batches of 1,000; `word` makes them findable together. */
async function publish(db: Db, n: number, word: string, from: number): Promise<void> {
  const org = await insertOrganisation(db, {
    type: 'university',
    name: `bench-${word}-${from}`,
    regionCode: '320100',
  });
  for (let start = 0; start < n; start += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, n - start) }, (_, k) => {
      const i = from + start + k;
      return achievementFixture(i, {
        ipItems: [],
        summary: `${word} 第${i}号 正极材料连续化制备工艺`,
        trl: (i % 9) + 1,
        field: `0${(i % 9) + 1}`,
      });
    });
    await upsertBatch(db, items, {
      kind: 'achievement',
      organisationId: org.id,
      subCentreId: null,
      actor: SYSTEM,
      lang: 'en',
      publish: true,
    });
  }
}

async function documents(meili: Meilisearch, uid: string): Promise<number> {
  return (
    await meili
      .index(uid)
      .getStats()
      .catch(() => ({ numberOfDocuments: 0 }))
  ).numberOfDocuments;
}

export async function runMeiliIndexingBench(): Promise<void> {
  const meiliServer = await meilisearch();
  const pgServer = await embeddedPostgres();
  const client = new Meilisearch({ host: meiliServer.url, apiKey: meiliServer.key });
  try {
    const { pkgVersion } = await client.getVersion();
    console.log(
      `\n== Meilisearch indexing (Meilisearch ${pkgVersion}, ${os.cpus().length} cores, load average ${os
        .loadavg()[0]!
        .toFixed(1)}) ==`,
    );
    const prefix = `bm${randomBytes(3).toString('hex')}`;
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: pgServer.url,
      MEILI_URL: meiliServer.url,
      MEILI_MASTER_KEY: meiliServer.key ?? '',
      LOG_LEVEL: 'silent',
      SEED_DEMO: 'false',
      QUEUE_PREFIX: prefix,
      DATA_DIR: path.join(os.tmpdir(), 'techex-bench-meili-data'),
    });

    // 1. publication → searchable, through the running workers
    const runtime = await startRuntime(config, { api: false, workers: true, modules: MODULES });
    let published = 0;
    try {
      const word = `pub${prefix}`;
      const started = Date.now();
      await publish(runtime.ctx.database.db, PUBLISH, word, 0);
      runtime.ctx.outbox.kick();
      const lastPublished = Date.now();
      const uid = `${prefix}_achievement`;
      let searchable = await documents(client, uid);
      while (searchable < PUBLISH && Date.now() - lastPublished < 600_000) {
        await new Promise((r) => setTimeout(r, 250));
        searchable = await documents(client, uid);
      }
      const done = Date.now();
      published = searchable;
      const after = done - lastPublished;
      console.log(
        `publication: ${PUBLISH} achievements batch-published in ${seconds(lastPublished - started)} s; ` +
          `${searchable} searchable ${seconds(after)} s after the last publication ` +
          `(target ≤ ${PUBLISH_TARGET_S} s: ${searchable >= PUBLISH && after <= PUBLISH_TARGET_S * 1000 ? 'met' : 'NOT met'})`,
      );
      const batchedRate = PUBLISH / ((done - started) / 1000);

      // 2. baseline: one document per task, each waited for (the indexer before issue 17)
      const views = await listPublicListings(runtime.ctx.database.db, 'achievement', { limit: BASELINE });
      const one = new MeiliSearchEngine({
        url: meiliServer.url,
        apiKey: meiliServer.key,
        indexPrefix: `${prefix}one`,
      });
      await one.ensureSetup();
      const t0 = Date.now();
      for (const v of views) await one.upsert([listingDocument('achievement', v)]);
      const oneMs = Date.now() - t0;
      await one.dropIndexes();
      console.log(
        `one document per task: ${views.length} in ${seconds(oneMs)} s = ${perSecond(views.length, oneMs)} documents/s; ` +
          `batched, publication included: ${batchedRate.toFixed(0)} documents/s ` +
          `(×${(batchedRate / (views.length / (oneMs / 1000))).toFixed(1)})`,
      );
    } finally {
      await runtime.close();
    }

    // 3. techex reindex of REINDEX documents into a fresh index (no workers running)
    const { createDatabase } = await import('../../src/platform/db.js');
    const database = createDatabase(pgServer.url, { max: 10 });
    try {
      if (REINDEX > published) await publish(database.db, REINDEX - published, `re${prefix}`, PUBLISH);
      const engine = new MeiliSearchEngine({
        url: meiliServer.url,
        apiKey: meiliServer.key,
        indexPrefix: `${prefix}re`,
      });
      await engine.ensureSetup();
      const progress = progressReporter(process.stdout.isTTY === true);
      const t0 = Date.now();
      const [summary] = await reindex(
        { db: database.db, engine, namespace: prefix },
        { types: ['achievement'], ...progress },
      ).finally(() => progress.stop());
      const ms = Date.now() - t0;
      console.log(
        `techex reindex: ${summary!.indexed} documents in ${seconds(ms)} s = ${perSecond(summary!.indexed, ms)} documents/s ` +
          `(${(ms / 60_000).toFixed(1)} min)`,
      );
      await engine.dropIndexes();
    } finally {
      await database.close();
    }
    for (const suffix of ['achievement', 'need', 'expert', 'institution', 'settings']) {
      await client
        .deleteIndex(`${prefix}_${suffix}`)
        .waitTask()
        .catch(() => undefined);
    }
  } finally {
    await pgServer.drop();
    await meiliServer.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await runMeiliIndexingBench();
  process.exit(0);
}
