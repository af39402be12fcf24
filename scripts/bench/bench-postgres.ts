/**
 * A throw-away embedded PostgreSQL for a bench that measures the database alone (no service):
 * fsync off, on a folder of its own, stopped (and the folder removed unless it was given) by
 * `close`. Shared by the benches so each does not repeat the start-up.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createDatabase, type Database } from '../../src/platform/db.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/platform/embedded-postgres.js';

/** The 1, 5 and 15 minute load averages, as the benches print them. */
export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export interface BenchPostgres {
  server: EmbeddedPostgres;
  database: Database;
  close(): Promise<void>;
}

export async function startBenchPostgres(opts: {
  /** Folder to keep between runs (a cached data set); a fresh temporary one otherwise, removed on close. */
  dir?: string;
  prefix: string;
  database: string;
  settings?: Record<string, string>;
  port?: number;
  poolMax?: number;
}): Promise<BenchPostgres> {
  const dir = opts.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), opts.prefix)));
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o755); // as root the cluster runs as another user, who must reach it
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    password: opts.database,
    database: opts.database,
    logger: pino({ level: 'warn' }),
    settings: { fsync: 'off', synchronous_commit: 'off', ...opts.settings },
    ...(opts.port ? { port: opts.port } : {}),
  });
  const database = createDatabase(server.url, opts.poolMax ? { max: opts.poolMax } : {});
  return {
    server,
    database,
    async close() {
      await database.close();
      await server.stop();
      if (!opts.dir) await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
