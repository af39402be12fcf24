/**
 * Crash safety of voucher issuance, end to end with real processes: two `techex worker`
 * replicas issue vouchers while transactions are being registered; the test SIGKILLs workers
 * repeatedly and restarts the PostgreSQL server (and the Redis server, when the suite runs on
 * Redis) during issuance. Afterwards every transaction has exactly one voucher, the log has no
 * gap and no duplicate leaf, every pair of checkpoints is consistent, and issuance resumed within
 * seconds of each restart.
 *
 * Isolation: servers of its own, so they can be restarted without disturbing other test files:
 * an embedded PostgreSQL (a fresh log) and, on the Redis backend, a `redis-server` with an
 * append-only file so queued jobs survive its restart. Both come back on the same port and data
 * folder, as a restarted server does for its clients.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database, runMigrations } from '../../platform/db.js';
import {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from '../../platform/embedded-postgres.js';
import { contractRequest } from '../../test/fixtures/vouchers.js';
import { type RedisServer, redisServerAvailable, startRedisServer } from '../../test/redis-server.js';
import { eventually } from '../../test/wait.js';
import { consistencyRanges, rangeHashes } from './log-tree.js';
import { verifyConsistency } from './merkle.js';
import { requestVouchersInTx } from './request.js';
import { checkpointsBetween, readNodes } from './store.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const tag = randomBytes(4).toString('hex');
/** The suite's Redis, if any: it decides the queue backend; the workers use a Redis of their own. */
const suiteRedisUrl = inject('redisUrl');
/** How soon after a server is back a new voucher must enter the log. */
const RESUME_LIMIT_MS = 10_000;
/** How long a server stays down during a restart. */
const DOWNTIME_MS = 2_000;

let database: Database;
let pgOptions: EmbeddedPostgresOptions;
let pgServer: EmbeddedPostgres;
let redisServer: RedisServer | undefined;
let redisDir = '';
let pgDir = '';
let dataDir = '';
const workers: { child: ChildProcess; killed: boolean; ready: boolean; log: string[] }[] = [];
let unexpectedExits = 0;

function spawnWorker(slot: number): void {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: os.tmpdir(),
    DATABASE_URL: pgServer.url,
    QUEUE_PREFIX: `crash${tag}`,
    APP_SECRET: 'crash-test-secret-0123456789abcdef0123456789',
    DATA_DIR: dataDir,
    PUBLIC_URL: 'http://localhost:3000',
    LOG_LEVEL: 'info', // start-up, lock hand-over and warnings only: workers serve no requests
    LOG_PRETTY: 'false',
    OUTBOX_SWEEP_MS: '500',
    SEED_DEMO: 'false',
  };
  if (suiteRedisUrl) env.REDIS_URL = redisServer?.url ?? suiteRedisUrl;
  const child = spawn(process.execPath, [path.join(root, 'scripts/techex.mjs'), 'worker'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = { child, killed: false, ready: false, log: [] as string[] };
  const keep = (c: Buffer) => {
    if (c.toString().includes('techex workers running')) entry.ready = true;
    entry.log.push(c.toString());
    if (entry.log.length > 50) entry.log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', () => {
    if (!entry.killed) {
      unexpectedExits++;
      console.error(`worker ${slot} exited on its own:\n${entry.log.join('')}`);
    }
  });
  workers[slot] = entry;
}

function killWorker(slot: number): void {
  const w = workers[slot];
  if (!w) return;
  w.killed = true;
  w.child.kill('SIGKILL');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sequencedCount(): Promise<number> {
  const r = await database.pool.query('SELECT count(*)::int AS n FROM vouchers WHERE leaf_index IS NOT NULL');
  return r.rows[0].n;
}

/** Start-up (tsx, migrations check, keys) takes seconds on a loaded machine: not what we measure. */
async function workersReady(): Promise<void> {
  await eventually('the workers to be running', async () => workers.every((w) => w.ready), 60_000);
}

/**
 * Waits until every worker is running and the log has grown past `from` vouchers: after a kill,
 * issuance went on (the next kill hits a working system, not one still starting).
 */
async function logGrowsPast(from: number, what: string): Promise<void> {
  await workersReady();
  await eventually(what, async () => (await sequencedCount()) > from, 60_000);
}

/** Waits until the killed workers' processes have exited (bounded: a clean-up must not hang). */
async function killedExited(): Promise<void> {
  const exits = workers.map((w) =>
    w.child.exitCode !== null || w.child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => w.child.once('exit', () => r())),
  );
  await Promise.race([Promise.all(exits), sleep(5_000)]);
}

/**
 * Stops a server, keeps it down for a moment, starts it again (same port, same data), and returns
 * how long after it was back the first voucher for a transaction registered after the restart
 * was issued and entered the log (so it went through the queue, the issuer and the sequencer).
 */
async function restart(stop: () => Promise<void>, start: () => Promise<void>): Promise<number> {
  await workersReady();
  await stop();
  await sleep(DOWNTIME_MS);
  await start();
  const restartedAt = new Date();
  // The test's own pool may still hold connections the restart broke: a failed probe is a "not yet".
  const issuedSince = async () => {
    const r = await database.pool
      .query(
        `SELECT 1 FROM vouchers v JOIN voucher_transactions t ON t.id = v.transaction_id
         WHERE t.created_at > $1 AND v.leaf_index IS NOT NULL LIMIT 1`,
        [restartedAt],
      )
      .catch(() => undefined);
    return (r?.rowCount ?? 0) > 0;
  };
  await eventually('issuance to resume', issuedSince, 30_000).catch((err) => {
    // What the workers said is the best clue to why they did not recover.
    console.error(workers.map((w, i) => `worker ${i}:\n${w.log.join('')}`).join('\n'));
    throw err;
  });
  return Date.now() - restartedAt.getTime();
}

beforeAll(async () => {
  // The server runs as the postgres user when the tests run as root: it must reach the folder.
  pgDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-crash-pg-'));
  await fs.chmod(pgDir, 0o755);
  pgOptions = {
    dataDir: pgDir,
    password: randomBytes(16).toString('hex'),
    database: `techex_crash_${tag}`,
    logger: pino({ level: 'warn' }),
    settings: { fsync: 'off' },
  };
  pgServer = await startEmbeddedPostgres(pgOptions);
  database = createDatabase(pgServer.url, { max: 4 });
  await runMigrations(database.pool);
  if (suiteRedisUrl) {
    if (await redisServerAvailable()) {
      redisDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-crash-redis-'));
      redisServer = await startRedisServer({ dir: redisDir });
    } else {
      console.warn(
        '[vouchers crash test] redis-server is not on PATH: the workers use the suite Redis and the Redis restart is SKIPPED',
      );
    }
  }
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-crash-'));
}, 120_000);

afterAll(async () => {
  for (let i = 0; i < workers.length; i++) killWorker(i);
  await killedExited();
  // A pool client broken by the restart can keep pool.end() waiting forever; stopping the server
  // closes every connection anyway, so do not let it hold up the clean-up.
  await Promise.race([database?.close(), sleep(5_000)]);
  await pgServer?.stop();
  await redisServer?.stop();
  for (const dir of [pgDir, redisDir, dataDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
}, 60_000);

describe('crash safety of voucher issuance', () => {
  it('survives SIGKILLed workers and backend restarts with one voucher per transaction and a consistent log', async () => {
    spawnWorker(0);
    spawnWorker(1);

    // Transactions keep being registered the whole time (the API side, connected directly).
    const ids: string[] = [];
    let producing = true;
    const producer = (async () => {
      while (producing) {
        try {
          const res = await database.db.transaction((tx) =>
            requestVouchersInTx(
              tx,
              Array.from({ length: 5 }, () => contractRequest()),
            ),
          );
          ids.push(...res.map((r) => r.transactionId));
        } catch {
          // A failed registration registers nothing: nothing to check for it.
        }
        await sleep(50);
      }
    })();

    await eventually('the first vouchers in the log', async () => (await sequencedCount()) > 0, 60_000);
    // SIGKILL a worker, again and again, restarting it as an orchestrator would.
    // Each kill after the log grew since the last one: the kills hit a system at work.
    for (let round = 0; round < 4; round++) {
      await logGrowsPast(await sequencedCount(), `the log to grow before kill ${round + 1}`);
      const slot = round % 2;
      killWorker(slot);
      spawnWorker(slot);
    }
    const resumes: Record<string, number> = {};
    const startedAt = async () =>
      (await database.pool.query('SELECT pg_postmaster_start_time()::text AS t')).rows[0].t as string;
    const pgStartedBefore = await startedAt();
    resumes.postgres = await restart(
      () => pgServer.stop(),
      async () => {
        pgServer = await startEmbeddedPostgres({ ...pgOptions, port: pgServer.port });
      },
    );
    // A restarted server, not a reconnect to the old one: same port, new postmaster.
    expect(await startedAt()).not.toBe(pgStartedBefore);
    killWorker(0); // and a kill right after the restart
    spawnWorker(0);
    const redis = redisServer;
    if (redis) {
      resumes.redis = await restart(
        () => redis.stop(),
        async () => {
          redisServer = await startRedisServer({ dir: redis.dir, port: redis.port });
        },
      );
      killWorker(1);
      spawnWorker(1);
    }
    // Issuance goes on after the last kill before the producer stops.
    await logGrowsPast(await sequencedCount(), 'the log to grow after the last kill');
    producing = false;
    await producer;

    // A commit whose reply a restart cut off is registered all the same: count what the database
    // holds, and check that it holds everything the producer saw succeed.
    const txCount: number = (await database.pool.query('SELECT count(*)::int AS n FROM voucher_transactions'))
      .rows[0].n;
    const seen = await database.pool.query(
      'SELECT count(*)::int AS n FROM voucher_transactions WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(seen.rows[0].n).toBe(ids.length);

    // Everything registered gets its voucher in the log.
    await eventually(
      'every transaction in the log',
      async () => {
        const r = await database.pool.query(
          `SELECT count(*)::int AS n FROM voucher_transactions t
           JOIN vouchers v ON v.transaction_id = t.id WHERE v.leaf_index IS NOT NULL`,
        );
        return r.rows[0].n === txCount;
      },
      90_000,
    );
    expect(ids.length).toBeGreaterThan(100);
    const perTx = await database.pool.query(
      `SELECT t.id, count(v.transaction_id)::int AS n FROM voucher_transactions t LEFT JOIN vouchers v ON v.transaction_id = t.id
       GROUP BY t.id HAVING count(v.transaction_id) <> 1`,
    );
    expect(perTx.rows).toEqual([]);

    // No gap, no duplicate leaf.
    const leaves = await database.pool.query<{ leaf_index: number }>(
      'SELECT leaf_index FROM vouchers ORDER BY leaf_index',
    );
    expect(leaves.rows.map((r) => r.leaf_index)).toEqual(Array.from({ length: txCount }, (_, i) => i));

    // Every pair of checkpoints is consistent.
    const latest = await eventually('a checkpoint of the whole log', async () => {
      const r = await database.pool.query('SELECT max(size)::int AS s FROM voucher_checkpoints');
      return r.rows[0].s === txCount ? r.rows[0].s : undefined;
    });
    const cps = await checkpointsBetween(database.pool, 1, latest);
    const step = Math.max(1, Math.floor(cps.length / 60));
    const sample = cps.filter((_, i) => i % step === 0 || i === cps.length - 1);
    const read = (n: readonly { level: number; index: number }[]) => readNodes(database.pool, n);
    for (let i = 0; i < sample.length; i++) {
      for (let j = i + 1; j < sample.length; j++) {
        const [a, b] = [sample[i]!, sample[j]!];
        const proof = await rangeHashes(consistencyRanges(a.size, b.size), read);
        expect(
          verifyConsistency(a.size, b.size, proof, a.root_hash, b.root_hash),
          `${a.size}→${b.size}`,
        ).toBe(true);
      }
    }
    for (let i = 1; i < cps.length; i++) {
      const [a, b] = [cps[i - 1]!, cps[i]!];
      const proof = await rangeHashes(consistencyRanges(a.size, b.size), read);
      expect(verifyConsistency(a.size, b.size, proof, a.root_hash, b.root_hash)).toBe(true);
    }

    console.log(
      `[vouchers crash test] ${txCount} transactions (${ids.length} acknowledged); issuance resumed after (ms): ${JSON.stringify(resumes)}`,
    );
    // Issuance resumed within seconds of each restart; no worker died other than by our hand.
    for (const [backend, ms] of Object.entries(resumes)) expect(ms, backend).toBeLessThan(RESUME_LIMIT_MS);
    expect(unexpectedExits).toBe(0);
  }, 240_000);
});
