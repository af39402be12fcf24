/**
 * `npx tsx scripts/bench-match.ts` (npm run bench:match): matching quality on the labelled
 * development set (scripts/data/match-devset) — nDCG@10 and recall@20 of the ranking, of the
 * engine's text order alone and of a plain keyword baseline, measured in the same run (and of
 * Meilisearch when MEILI_URL is set) — then p50/p95 latency of need → achievement matching with
 * 100,000 generated achievements in the embedded engine.
 *
 * Uses DATABASE_URL when set (in namespaces of its own, removed afterwards), else an embedded
 * PostgreSQL in a temporary folder. BENCH_MATCH_DOCS changes the 100,000.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { EmbeddedSearchEngine } from '../src/modules/matching/embedded-engine.js';
import type { SearchEngine } from '../src/modules/matching/engine.js';
import { MeiliSearchEngine } from '../src/modules/matching/meili-engine.js';
import { matchAchievementsForNeed, salientTerms } from '../src/modules/matching/ranking.js';
import { warmUpSegmenter } from '../src/modules/matching/text.js';
import { loadConfig } from '../src/platform/config.js';
import { createDatabase, type Database, runMigrations } from '../src/platform/db.js';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres.js';
import {
  achievementDocument,
  KeywordBaseline,
  ndcgAt,
  needDocument,
  percentile,
  recallAt,
} from './bench/match-quality.js';
import { type Devset, loadDevset, qrels } from './data/match-devset/index.js';
import { generateDemo } from './demo-data.js';

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const TOTAL_DOCS = Number(process.env.BENCH_MATCH_DOCS ?? 100_000);
const NOW = new Date('2026-07-01T00:00:00Z');

type Ranker = (need: Devset['needs'][number]) => Promise<string[]>;

async function quality(
  devset: Devset,
  name: string,
  ranker: Ranker,
): Promise<{ ndcg: number; recall: number }> {
  const judged = qrels(devset);
  let ndcg = 0;
  let recall = 0;
  for (const need of devset.needs) {
    const ranked = await ranker(need);
    const grades = judged.get(need.externalId) ?? new Map();
    ndcg += ndcgAt(10, ranked, grades);
    recall += recallAt(20, ranked, grades);
  }
  const result = { ndcg: ndcg / devset.needs.length, recall: recall / devset.needs.length };
  console.log(`${name.padEnd(44)} nDCG@10 ${result.ndcg.toFixed(3)}   recall@20 ${result.recall.toFixed(3)}`);
  return result;
}

async function engineQuality(devset: Devset, label: string, engine: SearchEngine) {
  await engine.ensureSetup();
  await engine.reset();
  for (let i = 0; i < devset.achievements.length; i += 500) {
    await engine.upsert(devset.achievements.slice(i, i + 500).map((a) => achievementDocument(a)));
  }
  const ranking = await quality(devset, `${label}: ranking (text + structured fit)`, async (need) =>
    (await matchAchievementsForNeed(engine, needDocument(need), { limit: 20, now: NOW })).map((m) => m.id),
  );
  await quality(devset, `${label}: engine text order only`, async (need) => {
    const terms = salientTerms(needDocument(need));
    const result = await engine.search({ type: 'achievement', terms, match: 'any', limit: 20 });
    return result.hits.map((h) => h.id);
  });
  await engine.reset();
  return ranking;
}

async function latency(database: Database, devset: Devset): Promise<void> {
  const engine = new EmbeddedSearchEngine(database, {
    namespace: `benchp_${randomBytes(3).toString('hex')}`,
  });
  await engine.ensureSetup();
  const started = Date.now();
  let indexed = 0;
  for (let seed = 1; indexed < TOTAL_DOCS; seed++) {
    const demo = generateDemo(seed);
    const docs = demo.achievements
      .slice(0, TOTAL_DOCS - indexed)
      .map((a, i) =>
        achievementDocument(
          a,
          `s${seed}-${a.externalId}`,
          new Date(NOW.getTime() - i * 3_600_000).toISOString(),
        ),
      );
    // two batches in flight: one segmented by jieba here while PostgreSQL writes the other
    let inFlight: Promise<void> = Promise.resolve();
    for (let i = 0; i < docs.length; i += 500) {
      const next = engine.upsert(docs.slice(i, i + 500));
      await inFlight;
      inFlight = next;
    }
    await inFlight;
    indexed += docs.length;
    process.stdout.write(`\rindexing generated achievements: ${indexed}/${TOTAL_DOCS}`);
  }
  console.log(` (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  // the labelled achievements among the generated ones: does candidate selection keep them at scale?
  await engine.upsert(devset.achievements.map((a) => achievementDocument(a)));
  await database.pool.query('VACUUM ANALYZE matching_documents');
  await quality(devset, `embedded, devset among ${TOTAL_DOCS} generated: ranking`, async (need) =>
    (await matchAchievementsForNeed(engine, needDocument(need), { limit: 20, now: NOW })).map((m) => m.id),
  );
  const needs = [
    ...devset.needs.map((n) => needDocument(n)),
    ...generateDemo(7).needs.map((n) => needDocument({ ...n, externalId: `demo-${n.externalId}` })),
  ];
  for (const need of needs.slice(0, 20)) await matchAchievementsForNeed(engine, need, { now: NOW }); // warm-up
  const times: number[] = [];
  const cpuBefore = await cpuMs(database);
  for (let round = 0; round < 2; round++) {
    for (const need of needs) {
      const t0 = performance.now();
      await matchAchievementsForNeed(engine, need, { now: NOW });
      times.push(performance.now() - t0);
    }
  }
  const cpuAfter = await cpuMs(database);
  const cpu = cpuDelta(cpuBefore, cpuAfter);
  const cpuPerQuery =
    cpu === undefined ? '' : ` CPU ${(cpu / times.length).toFixed(1)} ms/query (node + PostgreSQL),`;
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  const verdict = p95 <= 50 ? 'ok' : 'MISS';
  console.log(
    `need → achievement matching, ${TOTAL_DOCS} achievements, ${times.length} queries: ` +
      `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (target ≤ 50 ms: ${verdict});${cpuPerQuery} ` +
      `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  await engine.reset();
}

/**
 * CPU time (ms) used so far by this process and by each of its PostgreSQL backends (read from
 * /proc, so only for a local server): on a loaded machine wall-clock latency mostly measures the
 * other processes.
 */
async function cpuMs(
  database: Database,
): Promise<{ node: number; backends: Map<number, number> } | undefined> {
  const { rows } = await database.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-match'`,
  );
  const backends = new Map<number, number>();
  try {
    for (const { pid } of rows) {
      const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      backends.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    }
  } catch {
    return undefined;
  }
  const own = process.cpuUsage();
  return { node: (own.user + own.system) / 1000, backends };
}

type CpuReading = Awaited<ReturnType<typeof cpuMs>>;

/** CPU used between two readings; a backend opened in between counts from zero. */
function cpuDelta(before: CpuReading, after: CpuReading): number | undefined {
  if (!before || !after) return undefined;
  let total = after.node - before.node;
  for (const [pid, ms] of after.backends) total += ms - (before.backends.get(pid) ?? 0);
  return total;
}

let stopEmbedded: (() => Promise<void>) | undefined;
let url = config.databaseUrl;
if (!url) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-match-'));
  await fs.chmod(dir, 0o755);
  const pgServer = await startEmbeddedPostgres({
    dataDir: dir,
    password: randomBytes(16).toString('hex'),
    database: 'techex_bench',
    logger: pino({ level: 'warn' }),
    settings: { fsync: 'off', synchronous_commit: 'off', shared_buffers: '256MB' },
  });
  url = pgServer.url;
  stopEmbedded = async () => {
    await pgServer.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
}
const database = createDatabase(url, { max: 4, applicationName: 'bench-match' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // an interrupted run must not leave an embedded PostgreSQL behind
    void Promise.resolve(stopEmbedded?.()).finally(() => process.exit(130));
  });
}
try {
  await runMigrations(database.pool);
  warmUpSegmenter();
  const devset = loadDevset();
  console.log(
    `devset: ${devset.achievements.length} achievements, ${devset.needs.length} needs, ` +
      `${devset.judgments.length} judgments\n`,
  );
  const client = await database.pool.connect();
  const baseline = new KeywordBaseline(client);
  await baseline.load(devset.achievements);
  const keyword = await quality(devset, 'keyword baseline (jieba words, OR, ts_rank_cd)', (n) =>
    baseline.rank(n, 20),
  );
  client.release();
  const ns = `benchq_${randomBytes(3).toString('hex')}`;
  const embedded = await engineQuality(
    devset,
    'embedded',
    new EmbeddedSearchEngine(database, { namespace: ns }),
  );
  console.log(`embedded ranking vs keyword baseline: nDCG@10 ×${(embedded.ndcg / keyword.ndcg).toFixed(2)}`);
  if (config.meili) {
    const meili = new MeiliSearchEngine({
      url: config.meili.url,
      apiKey: config.meili.masterKey,
      indexPrefix: ns,
    });
    const m = await engineQuality(devset, 'meilisearch', meili);
    console.log(`meilisearch ranking vs keyword baseline: nDCG@10 ×${(m.ndcg / keyword.ndcg).toFixed(2)}`);
  } else {
    console.log('meilisearch: skipped (set MEILI_URL to measure it)');
  }
  console.log('');
  if (TOTAL_DOCS > 0) await latency(database, devset);
} finally {
  await database.close();
  await stopEmbedded?.();
}
