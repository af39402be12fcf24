/**
 * A CPU profile of one catalog read under load (a tool, not part of `npm run bench`):
 *
 *   npx tsx scripts/bench/profile-catalog.ts [get|list|healthz] [seconds]
 *
 * seeds the bench's 2,000 listings, waits for background indexing to settle, loads the read,
 * writes `$TMPDIR/catalog-<read>.cpuprofile` (open it in Chrome DevTools) and prints the queries
 * per request and the top self-time functions. EXPLAIN=1 prints the list query's plan first;
 * EXPLAIN=only stops there.
 */
import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { MODULES } from '../../src/modules/index.js';
import { loadConfig } from '../../src/platform/config.js';
import { type Runtime, startRuntime } from '../../src/platform/runtime.js';
import { seedPublishedAchievements } from './catalog.js';
import { load, settle } from './harness.js';

const which = (['list', 'healthz'] as const).find((w) => w === process.argv[2]) ?? 'get';
const seconds = Number(process.argv[3] ?? 8);
const LIST_QUERY = `SELECT id, kind, content, (updated_at)::text AS sk FROM catalog_listings
  WHERE kind = 'achievement' AND status IN ('published', 'in_negotiation', 'transacted')
    AND field_code = '03' AND trl >= 2 AND trl <= 8
  ORDER BY catalog_listings.updated_at DESC, id DESC LIMIT 21`;

async function seed(runtime: Runtime): Promise<string> {
  return (await seedPublishedAchievements(runtime.ctx.database.db, '剖析大学')).id;
}

async function profileLoad(runtime: Runtime, url: string): Promise<void> {
  await load({ url, durationSec: 2 });
  const pool = runtime.ctx.database.pool;
  const original = pool.query.bind(pool) as (...a: unknown[]) => unknown;
  const counts = new Map<string, number>();
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const q = args[0] as string | { text: string };
    const text = (typeof q === 'string' ? q : q.text).slice(0, 60);
    counts.set(text, (counts.get(text) ?? 0) + 1);
    return original(...args);
  };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const r = await load({ url, durationSec: seconds });
  const { profile } = await session.post('Profiler.stop');
  (pool as { query: unknown }).query = original;
  const file = path.join(os.tmpdir(), `catalog-${which}.cpuprofile`);
  await fs.writeFile(file, JSON.stringify(profile));
  console.log(
    `${which}: ${r.requestsPerSec.toFixed(0)} req/s, ${r.bytesPerResponse?.toFixed(0)} bytes; ${file}`,
  );
  for (const [q, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  ${n} × ${q}`);
  const ticks = new Map<number, number>();
  for (const [i, id] of profile.samples!.entries())
    ticks.set(id, (ticks.get(id) ?? 0) + (profile.timeDeltas![i] ?? 0));
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const t = ticks.get(n.id) ?? 0;
    total += t;
    const cf = n.callFrame;
    const where = cf.url.replace(/.*node_modules\//, '').replace(/.*\/main\//, '');
    const key = `${cf.functionName || '(anon)'} ${where}:${cf.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + t);
  }
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-prof-'));
await fs.chmod(dataDir, 0o755);
const config = loadConfig({
  ...process.env,
  PORT: '0',
  LOG_LEVEL: 'silent',
  DATA_DIR: dataDir,
  SEED_DEMO: 'false',
  RATE_LIMIT_MAX: '1000000',
});
const runtime = await startRuntime(config, { api: true, workers: true, modules: MODULES });
try {
  const id = await seed(runtime);
  if (process.env.EXPLAIN) {
    const plan = await runtime.ctx.database.pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${LIST_QUERY}`);
    for (const r of plan.rows) console.log(r['QUERY PLAN']);
  }
  if (process.env.EXPLAIN !== 'only') {
    console.log(`settled after ${(await settle(runtime.ctx)).toFixed(1)} s`);
    const base = `http://127.0.0.1:${(runtime.app!.server.address() as { port: number }).port}`;
    await profileLoad(
      runtime,
      which === 'list'
        ? `${base}/v1/achievements?field=03&trlMin=2&trlMax=8&limit=20`
        : which === 'healthz'
          ? `${base}/healthz`
          : `${base}/v1/achievements/${id}`,
    );
  }
} finally {
  await runtime.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
