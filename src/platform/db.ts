import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

export type Db = NodePgDatabase<Record<string, never>>;
/** A transaction handle; repository functions accept either this or the root `Db`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  readonly pool: pg.Pool;
  readonly db: Db;
  close(): Promise<void>;
}

// timestamptz and bigint come back as strings by default; we keep Date for timestamps and
// parse int8 (counts, fen amounts) as numbers, which is exact below 2^53 fen (9e13 yuan).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createDatabase(url: string, opts: { max?: number; applicationName?: string } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'techex',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one: pg-pool removes its own error listener while a client is lent out
  // (a transaction in progress), and an 'error' event with no listener is an uncaught
  // exception. The failure still reaches the caller as a rejected query.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool) as Db;
  return {
    pool,
    db,
    async close() {
      await pool.end();
    },
  };
}

export const MIGRATIONS_DIR = path.resolve(fileURLToPath(new URL('../../migrations', import.meta.url)));

/** Arbitrary, fixed key: only one process at a time applies migrations. */
const MIGRATION_LOCK = 7_412_001;

/**
 * Applies the committed SQL migrations under a session advisory lock, so several replicas
 * starting together do not race: the others wait, then find nothing left to do.
 */
export async function runMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR, migrationsSchema: 'drizzle' });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

const PG_ERRORS = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
} as const;

function pgCode(err: unknown): string | undefined {
  let e: unknown = err;
  // drizzle wraps driver errors; look through the cause chain.
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function constraintOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const c = (e as { constraint?: unknown }).constraint;
    if (typeof c === 'string') return c;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const isUniqueViolation = (err: unknown) => pgCode(err) === PG_ERRORS.uniqueViolation;
export const isForeignKeyViolation = (err: unknown) => pgCode(err) === PG_ERRORS.foreignKeyViolation;
export const isCheckViolation = (err: unknown) => pgCode(err) === PG_ERRORS.checkViolation;
