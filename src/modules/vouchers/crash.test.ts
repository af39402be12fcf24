/**
 * Crash safety of voucher issuance, end to end with real processes: two `techex worker`
 * replicas issue vouchers while transactions are being registered; the test SIGKILLs workers
 * repeatedly and cuts every connection to PostgreSQL (and to Redis, when the suite runs on Redis)
 * for a few seconds, as a server restart does to its clients. Afterwards every transaction has
 * exactly one voucher, the log has no gap and no duplicate leaf, every pair of checkpoints is
 * consistent, and issuance resumed within seconds of each outage.
 *
 * Isolation: a database of its own on the test server (a fresh log), a queue prefix of its own,
 * and the workers reach PostgreSQL and Redis through TCP proxies the test can cut.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database, runMigrations } from '../../platform/db.js';
import { startTcpProxy, type TcpProxy } from '../../test/tcp-proxy.js';
import { consistencyRanges, rangeHashes } from './log-tree.js';
import { verifyConsistency } from './merkle.js';
import { requestVouchersInTx } from './request.js';
import { checkpointsBetween, readNodes } from './store.js';
import { contractRequest, waitFor } from './test-helpers.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const tag = randomBytes(4).toString('hex');
const dbName = `techex_crash_${tag}`;
const serverUrl = new URL(inject('databaseUrl'));
const redisUrl = inject('redisUrl');

let database: Database;
let pgProxy: TcpProxy;
let redisProxy: TcpProxy | undefined;
let dataDir = '';
const workers: { child: ChildProcess; killed: boolean; ready: boolean; log: string[] }[] = [];
let unexpectedExits = 0;

function urlWith(base: URL, changes: { db?: string; port?: number }): string {
  const u = new URL(base.toString());
  if (changes.db) u.pathname = `/${changes.db}`;
  if (changes.port) {
    u.hostname = '127.0.0.1';
    u.port = String(changes.port);
  }
  return u.toString();
}

function spawnWorker(slot: number): void {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: os.tmpdir(),
    DATABASE_URL: urlWith(serverUrl, { db: dbName, port: pgProxy.port }),
    QUEUE_PREFIX: `crash${tag}`,
    APP_SECRET: 'crash-test-secret-0123456789abcdef0123456789',
    DATA_DIR: dataDir,
    PUBLIC_URL: 'http://localhost:3000',
    LOG_LEVEL: 'info', // start-up, lock hand-over and warnings only: workers serve no requests
    LOG_PRETTY: 'false',
    OUTBOX_SWEEP_MS: '500',
    SEED_DEMO: 'false',
  };
  if (redisUrl && redisProxy) env.REDIS_URL = urlWith(new URL(redisUrl), { port: redisProxy.port });
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
  await waitFor('the workers to be running', async () => workers.every((w) => w.ready), 60_000);
}

/** Cuts a backend for `ms`, restores it, and returns how long until a new voucher entered the log. */
async function outage(proxy: TcpProxy, ms: number): Promise<number> {
  await workersReady();
  await proxy.cut();
  await sleep(ms);
  await proxy.restore();
  const restoredAt = Date.now();
  const before = await sequencedCount();
  await waitFor('issuance to resume', async () => (await sequencedCount()) > before, 30_000).catch((err) => {
    // What the workers said is the best clue to why they did not recover.
    console.error(workers.map((w, i) => `worker ${i}:\n${w.log.join('')}`).join('\n'));
    throw err;
  });
  return Date.now() - restoredAt;
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  database = createDatabase(urlWith(serverUrl, { db: dbName }), { max: 4 });
  await runMigrations(database.pool);
  pgProxy = await startTcpProxy(serverUrl.hostname, Number(serverUrl.port || 5432));
  if (redisUrl) {
    const r = new URL(redisUrl);
    redisProxy = await startTcpProxy(r.hostname, Number(r.port || 6379));
  }
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-crash-'));
});

afterAll(async () => {
  for (let i = 0; i < workers.length; i++) killWorker(i);
  await sleep(200);
  await database?.close();
  await pgProxy?.close();
  await redisProxy?.close();
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

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

    await waitFor('the first vouchers in the log', async () => (await sequencedCount()) > 0, 60_000);
    // SIGKILL a worker, again and again, restarting it as an orchestrator would.
    for (let round = 0; round < 4; round++) {
      await sleep(1500);
      const slot = round % 2;
      killWorker(slot);
      spawnWorker(slot);
    }
    const resumes: Record<string, number> = {};
    resumes.postgres = await outage(pgProxy, 3000);
    killWorker(0); // and a kill right after the restart
    spawnWorker(0);
    if (redisProxy) resumes.redis = await outage(redisProxy, 3000);
    await sleep(1000);
    producing = false;
    await producer;

    // Everything registered gets its voucher in the log.
    await waitFor(
      'every transaction in the log',
      async () => {
        const r = await database.pool.query(
          `SELECT count(*)::int AS n FROM voucher_transactions t
           JOIN vouchers v ON v.transaction_id = t.id WHERE v.leaf_index IS NOT NULL`,
        );
        return r.rows[0].n === ids.length;
      },
      90_000,
    );
    expect(ids.length).toBeGreaterThan(100);
    const perTx = await database.pool.query(
      `SELECT t.id, count(v.id)::int AS n FROM voucher_transactions t LEFT JOIN vouchers v ON v.transaction_id = t.id
       GROUP BY t.id HAVING count(v.id) <> 1`,
    );
    expect(perTx.rows).toEqual([]);

    // No gap, no duplicate leaf.
    const leaves = await database.pool.query<{ leaf_index: number }>(
      'SELECT leaf_index FROM vouchers ORDER BY leaf_index',
    );
    expect(leaves.rows.map((r) => r.leaf_index)).toEqual(Array.from({ length: ids.length }, (_, i) => i));

    // Every pair of checkpoints is consistent.
    const latest = await waitFor('a checkpoint of the whole log', async () => {
      const r = await database.pool.query('SELECT max(size)::int AS s FROM voucher_checkpoints');
      return r.rows[0].s === ids.length ? r.rows[0].s : undefined;
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
      `[vouchers crash test] ${ids.length} transactions; issuance resumed after (ms): ${JSON.stringify(resumes)}`,
    );
    // Issuance resumed within seconds of each restart; no worker died other than by our hand.
    for (const [backend, ms] of Object.entries(resumes)) expect(ms, backend).toBeLessThan(10_000);
    expect(unexpectedExits).toBe(0);
  }, 240_000);
});
