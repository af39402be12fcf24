import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/ports.js';

// End to end, as a newcomer runs it: `techex start` on embedded defaults in a fresh DATA_DIR.
const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
let dataDir = '';

interface Started {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  port: number;
}

async function start(): Promise<Started> {
  const port = await freePort();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['DATABASE_URL', 'REDIS_URL', 'MEILI_URL', 'NODE_ENV', 'APP_SECRET'].includes(k))
      env[k] = v;
  }
  Object.assign(env, {
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    SEED_DEMO: 'false',
  });
  const child = spawn(process.execPath, [path.join(root, 'scripts/techex.mjs'), 'start'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  child.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ msg: line });
      }
      i = buf.indexOf('\n');
    }
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`techex exited early: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, lines, port };
    if (Date.now() > deadline) throw new Error(`no /healthz within a minute: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stop(s: Started): Promise<number> {
  const t0 = Date.now();
  const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
  s.child.kill('SIGTERM');
  await exited;
  return Date.now() - t0;
}

async function postmasterAlive(): Promise<boolean> {
  const pid = Number(
    (await fs.readFile(path.join(dataDir, 'postgres/postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0],
  );
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe('techex start on embedded defaults', () => {
  it('starts, is ready, stops on SIGTERM within 15 s leaving no PostgreSQL behind, and keeps its data', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-e2e-'));
    await fs.chmod(dataDir, 0o755);
    const first = await start();
    const ready = await fetch(`http://127.0.0.1:${first.port}/readyz`);
    expect(ready.status).toBe(200);
    const spec = (await (await fetch(`http://127.0.0.1:${first.port}/openapi.json`)).json()) as {
      openapi: string;
    };
    expect(spec.openapi).toBe('3.1.0');

    // Leave a mark in the database through its own credentials.
    const started = first.lines.find((l) => l.msg === 'embedded PostgreSQL started') as
      | { port: number }
      | undefined;
    expect(started?.port).toBeGreaterThan(0);
    const secrets = JSON.parse(await fs.readFile(path.join(dataDir, 'secrets.json'), 'utf8'));
    const connect = async (port: number) => {
      const c = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password: secrets.embeddedDbPassword,
        database: 'techex',
      });
      await c.connect();
      return c;
    };
    const c1 = await connect(started!.port);
    await c1.query(
      `INSERT INTO audit_events (id, actor_type, action, object_type, object_id) VALUES (gen_random_uuid(), 'system', 'e2e.mark', 'test', 'kept')`,
    );
    await c1.end();

    const took = await stop(first);
    expect(took).toBeLessThan(15_000);
    expect(await postmasterAlive()).toBe(false);

    const second = await start();
    expect(second.lines.some((l) => l.msg === 'initialised embedded PostgreSQL cluster')).toBe(false);
    const started2 = second.lines.find((l) => l.msg === 'embedded PostgreSQL started') as { port: number };
    const c2 = await connect(started2.port);
    const kept = await c2.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'e2e.mark'`);
    await c2.end();
    expect(kept.rows[0].n).toBe(1);
    await stop(second);
    expect(await postmasterAlive()).toBe(false);
  }, 120_000);

  it('recovers after being killed with SIGKILL (the PostgreSQL it left is adopted)', async () => {
    const s = await start();
    s.child.kill('SIGKILL');
    await new Promise<void>((r) => s.child.once('exit', () => r()));
    expect(await postmasterAlive()).toBe(true);
    const again = await start();
    expect((await fetch(`http://127.0.0.1:${again.port}/readyz`)).status).toBe(200);
    await stop(again);
    expect(await postmasterAlive()).toBe(false);
  }, 120_000);
});
