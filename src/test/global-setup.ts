import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../platform/db.js';
import { startEmbeddedPostgres } from '../platform/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string | undefined;
    meiliUrl: string | undefined;
    meiliKey: string | undefined;
  }
}

/**
 * One database for the whole run: an embedded PostgreSQL under the system temp folder (the
 * default configuration) or a fresh database on the server DATABASE_URL points at. Test files
 * isolate themselves by creating their own organisations and queue namespaces.
 */
export default async function setup(project: TestProject) {
  const logger = pino({ level: 'warn' });
  const external = process.env.DATABASE_URL;
  let url: string;
  let teardown: () => Promise<void>;
  if (external) {
    const name = `techex_test_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: external });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(external);
    u.pathname = `/${name}`;
    url = u.toString();
    teardown = async () => {
      const c = new pg.Client({ connectionString: external });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
    console.log(
      `[techex tests] external PostgreSQL, database ${name}; queue: ${process.env.REDIS_URL ? 'Redis' : 'PostgreSQL backend'}`,
    );
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-test-'));
    await fs.chmod(dir, 0o755);
    const embedded = await startEmbeddedPostgres({
      dataDir: dir,
      password: randomBytes(16).toString('hex'),
      database: 'techex_test',
      logger,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '400' },
    });
    url = embedded.url;
    teardown = async () => {
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
    console.log(
      `[techex tests] embedded PostgreSQL on port ${embedded.port}; queue: ${process.env.REDIS_URL ? 'Redis' : 'PostgreSQL backend'}`,
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await runMigrations(pool);
  await pool.end();
  project.provide('databaseUrl', url);
  project.provide('redisUrl', process.env.REDIS_URL || undefined);
  project.provide('meiliUrl', process.env.MEILI_URL || undefined);
  project.provide('meiliKey', process.env.MEILI_MASTER_KEY || undefined);
  return teardown;
}
