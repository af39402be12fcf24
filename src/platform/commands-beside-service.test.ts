import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// An operator follows the README: `npm start`, then runs techex commands with the same DATA_DIR.
// Regression for issue 12 item 1: every command used to stop the running service's PostgreSQL.
const root = fileURLToPath(new URL('../..', import.meta.url));
const techex = path.join(root, 'scripts/techex.mjs');
let dataDir = '';
// A cold start (initdb, then the sources compiled by tsx) takes about 50 s on two loaded cores;
// a suite run in CI loads them more. Generous bounds: each wait ends as soon as its condition holds.
const STARTUP_MS = 240_000;
const COMMAND_MS = 240_000;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['DATABASE_URL', 'REDIS_URL', 'MEILI_URL', 'NODE_ENV', 'APP_SECRET'].includes(k))
      env[k] = v;
  }
  return { ...env, DATA_DIR: dataDir, LOG_LEVEL: 'info', LOG_PRETTY: 'false', SEED_DEMO: 'false', ...extra };
}

interface Service {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  output: () => string;
}

async function startService(extra: Record<string, string> = {}, wait = true): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, [techex, 'start'], {
    cwd: root,
    env: baseEnv({ PORT: String(port), ...extra }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  // Its log too, to tell a slow start from a stuck one when a start fails.
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const service = { child, port, stderr: () => stderr, output: () => output };
  if (wait) await untilHealthy(service);
  return service;
}

async function untilHealthy(s: Service): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  let last = 'no answer';
  for (;;) {
    if (s.child.exitCode !== null) throw new Error(`techex exited early: ${s.output()}`);
    const ok = await fetch(`http://127.0.0.1:${s.port}/readyz`).then(
      async (r) => {
        last = `${r.status} ${await r.text()}`;
        return r.ok;
      },
      (e: Error) => {
        last = e.message;
        return false;
      },
    );
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`not ready within ${STARTUP_MS / 1000} s (last /readyz: ${last}): ${s.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopService(s: Service): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
  s.child.kill('SIGTERM');
  await exited;
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function command(args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [techex, ...args],
      { cwd: root, env: baseEnv({ LOG_LEVEL: 'warn' }), timeout: COMMAND_MS },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Polls /readyz until stopped; every answer that is not 200 is kept. */
function watchReadiness(port: number) {
  const bad: string[] = [];
  let polls = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        async (r) => (r.status === 200 ? 200 : `${r.status} ${await r.text()}`),
        (e: Error) => `unreachable: ${e.message}`,
      );
      polls++;
      if (status !== 200) bad.push(String(status));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    bad,
    polls: () => polls,
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function postmasterPid(): Promise<number> {
  const text = await fs.readFile(path.join(dataDir, 'postgres/postmaster.pid'), 'utf8').catch(() => '');
  return Number(text.split('\n')[0]) || 0;
}

function alive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-ops-'));
  await fs.chmod(dataDir, 0o755);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  const pid = await postmasterPid();
  if (alive(pid)) process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe('operator commands beside a running service (embedded defaults)', () => {
  it('every README command attaches to the running PostgreSQL: /readyz stays 200 throughout', async () => {
    // A command run during the service's start-up is safe too: both share one cluster.
    const service = await startService({}, false);
    const early = await command(['migrate']);
    expect(early.code, early.stderr).toBe(0);
    await untilHealthy(service);
    const pid = await postmasterPid();
    expect(alive(pid)).toBe(true);

    // An organisation to preview an import against, written through the service's own database.
    const orgId = randomUUID();
    const secrets = JSON.parse(await fs.readFile(path.join(dataDir, 'secrets.json'), 'utf8'));
    const pgPort = Number(
      (await fs.readFile(path.join(dataDir, 'postgres/postmaster.pid'), 'utf8')).split('\n')[3],
    );
    const db = new pg.Client({
      host: '127.0.0.1',
      port: pgPort,
      user: 'postgres',
      password: secrets.embeddedDbPassword,
      database: 'techex',
    });
    await db.connect();
    await db.query(`INSERT INTO organisations (id, type, name) VALUES ($1, 'university', '运维测试大学')`, [
      orgId,
    ]);
    await db.end();
    const watch = watchReadiness(service.port);
    const csv = path.join(dataDir, 'import.csv');
    await fs.writeFile(
      csv,
      '\uFEFF外部编号,成果名称,一句话简介,技术领域,成熟度,专利号,转化方式,交易方式,价格（万元）,地区,联系人,联系电话\r\n' +
        'OPS-1,一种用于运维测试的边缘计算网关,毫秒级时延的边缘网关,新一代信息技术,7,,转让,协议转让,120,320102,王老师,13912345678\r\n',
    );
    const sequence: string[][] = [
      [
        'admin',
        'create-operator',
        '--email',
        'ops@example.test',
        '--password',
        'correct-horse-9',
        '--name',
        '运维',
      ],
      ['admin', 'assign-registrar', '--email', 'ops@example.test', '--sub-centre', '320500'],
      [
        'admin',
        'register-client',
        '--name',
        'ops-client',
        '--grant',
        'authorization_code',
        '--scope',
        'openid',
        '--scope',
        'profile',
        '--redirect-uri',
        'https://partner.example.test/cb',
      ],
      ['admin', 'rotate-keys'],
      ['jobs', 'failed', 'vouchers.issue'],
      ['reindex'],
      ['import', 'achievements', csv, '--dry-run', '--org', orgId],
      ['voucher', 'rotate-key', 'voucher'],
      ['migrate'],
    ];
    try {
      for (const args of sequence) {
        const r = await command(args);
        expect(r.code, `techex ${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0);
        expect(r.stderr + r.stdout).not.toContain('orphan');
      }
      // Two commands at once.
      const both = await Promise.all([command(['jobs', 'failed', 'vouchers.issue']), command(['migrate'])]);
      for (const r of both) expect(r.code, r.stderr).toBe(0);
    } catch (err) {
      await watch.stop();
      await stopService(service);
      throw err;
    }
    await watch.stop();
    expect(watch.polls()).toBeGreaterThan(10);
    expect(watch.bad).toEqual([]);
    // The same server the whole time, and it is still the service's.
    expect(await postmasterPid()).toBe(pid);
    expect(alive(pid)).toBe(true);
    const created = await fetch(`http://127.0.0.1:${service.port}/oidc/.well-known/openid-configuration`);
    expect(created.status).toBe(200);

    // The service is the last user: stopping it stops PostgreSQL.
    await stopService(service);
    expect(alive(pid)).toBe(false);
  }, 900_000);

  it('a command run with no service starts and stops its own PostgreSQL; the server of a killed service is adopted by the next start, or replaced when it cannot be vouched for', async () => {
    const r = await command(['jobs', 'failed', 'vouchers.issue']);
    expect(r.code, r.stderr).toBe(0);
    expect(alive(await postmasterPid())).toBe(false);

    const kill = async (s: Service) => {
      s.child.kill('SIGKILL');
      await new Promise<void>((res) => s.child.once('exit', () => res()));
    };
    const service = await startService();
    const pid = await postmasterPid();
    await kill(service);
    expect(alive(pid)).toBe(true); // left behind by the kill
    // A healthy server launched as we would launch it is adopted: no shutdown, no cold start.
    const adopted = await startService();
    expect(await postmasterPid()).toBe(pid);
    expect(adopted.stderr()).not.toContain('Error');
    await kill(adopted);
    // One we cannot vouch for (its launch record is gone) is stopped and replaced.
    await fs.rm(path.join(dataDir, 'postgres.server.json'));
    const again = await startService();
    expect(await postmasterPid()).not.toBe(pid);
    expect(alive(pid)).toBe(false);
    await stopService(again);
  }, 900_000);

  it('liveness fails once the database has been unreachable for the grace period; readiness at once', async () => {
    const service = await startService({ LIVENESS_DATABASE_GRACE_MS: '1000' });
    const status = (p: string) =>
      fetch(`http://127.0.0.1:${service.port}${p}`).then(
        (r) => r.status,
        (e: Error) => `${e.message}; exited ${service.child.exitCode}: ${service.stderr().slice(-3000)}`,
      );
    expect(await status('/healthz')).toBe(200);
    const pid = await postmasterPid();
    process.kill(pid, 'SIGINT'); // someone stops the database under the service
    await expect.poll(() => status('/readyz'), { timeout: 60_000 }).toBe(503);
    await expect
      .poll(() => status('/healthz'), {
        timeout: 60_000,
        interval: 250,
      })
      .toBe(503);
    const body = (await (await fetch(`http://127.0.0.1:${service.port}/healthz`)).json()) as {
      status: string;
      reason: string;
    };
    expect(body.status).toBe('failing');
    expect(body.reason).toContain('database');
    service.child.kill('SIGKILL');
  }, 480_000);
});
