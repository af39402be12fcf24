import type { Writable } from 'node:stream';
import type { SQL } from 'drizzle-orm';
import { NodePgSession, NodePgTransaction } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db, DbOrTx, Tx } from './db.js';

/**
 * A statement for a hot path written as SQL text, without the query builder: building a
 * registration's statements with drizzle cost about as much CPU per call as the database's work
 * on them (issue 14). `text` interpolates values as parameters ($n, never into the text) and
 * nests other `Text` fragments; `raw` marks a constant piece of SQL chosen by the code.
 * A call site yields the same text on every call (only the values differ), so `runText` sends
 * it as a named prepared statement: each connection parses and plans it once.
 *
 * Writes of several modules go in ONE statement (data-modifying CTEs) where a transaction holds a
 * hot lock: a contract's registration writes everything that carries its number while the
 * registration point's counter row is locked, so the lock is held for one round trip, not six.
 * The modules' CTE builders (`auditCteText`, `eventCtesText`, `requestVoucherCtesText`) take
 * `from`, the CTE yielding the value only the statement knows (zero rows: nothing is written),
 * and `lateValue`, SQL of that value.
 */
export class Text {
  constructor(
    readonly chunks: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** Constant SQL (a name or keyword chosen by the code, never input). */
export class Raw {
  constructor(readonly sql: string) {}
}
export const raw = (sql: string): Raw => new Raw(sql);

export function text(strings: TemplateStringsArray, ...parts: unknown[]): Text {
  const chunks: string[] = [strings[0]!];
  const values: unknown[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next = strings[i + 1]!;
    if (part instanceof Text) {
      chunks[chunks.length - 1] += part.chunks[0]!;
      for (let j = 0; j < part.values.length; j++) {
        values.push(part.values[j]);
        chunks.push(part.chunks[j + 1]!);
      }
      chunks[chunks.length - 1] += next;
    } else if (part instanceof Raw) {
      chunks[chunks.length - 1] += part.sql + next;
    } else {
      values.push(part);
      chunks.push(next);
    }
  }
  return new Text(chunks, values);
}

/** Fragments joined with `separator` (constant SQL). */
export function joinText(parts: readonly Text[], separator: string): Text {
  if (parts.length === 0) return new Text([''], []);
  const chunks: string[] = [...parts[0]!.chunks];
  const values: unknown[] = [...parts[0]!.values];
  for (const p of parts.slice(1)) {
    chunks[chunks.length - 1] += separator + p.chunks[0]!;
    for (let j = 0; j < p.values.length; j++) {
      values.push(p.values[j]);
      chunks.push(p.chunks[j + 1]!);
    }
  }
  return new Text(chunks, values);
}

/** A JSON value as a jsonb parameter (the driver would send a JS array as a PostgreSQL array). */
export const jsonParam = (json: unknown): string | null =>
  json === null || json === undefined ? null : JSON.stringify(json);

/**
 * `json` as jsonb with `lateValue` (SQL of the statement, e.g.
 * `num.number`) written at each of `paths`.
 */
export function jsonbTextWith(
  json: unknown,
  lateValue?: string,
  paths: readonly (readonly string[])[] = [],
): Text {
  let expr = text`${jsonParam(json)}::jsonb`;
  if (!lateValue) return expr;
  for (const p of paths)
    expr = text`jsonb_set(${expr}, ${raw(`'{${p.join(',')}}'`)}::text[], to_jsonb(${raw(lateValue)}))`;
  return expr;
}

/**
 * Values come back as drizzle's driver gives them to its column mappings (timestamps and dates
 * as text), so a row read here decodes with the table's own column mappings.
 */
const RAW_TEXT_TYPES = new Set([
  pg.types.builtins.TIMESTAMPTZ,
  pg.types.builtins.TIMESTAMP,
  pg.types.builtins.DATE,
  pg.types.builtins.INTERVAL,
  1231,
  1115,
  1185,
  1187,
  1182,
]);
const identity = (v: string) => v;
const TYPES = {
  getTypeParser: ((id: number, format?: 'text' | 'binary') =>
    RAW_TEXT_TYPES.has(id)
      ? identity
      : pg.types.getTypeParser(id, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Statement names by text: one per distinct text in this process (a few per hot path). Past the
 * bound (a caller whose text varies per call), statements run unnamed rather than fill every
 * connection with prepared statements.
 */
const names = new Map<string, string>();
const MAX_NAMES = 200;

/** The connection (in a transaction) or pool drizzle runs `db`'s statements on. */
function driverOf(db: DbOrTx): { query: pg.Pool['query'] } {
  const client = (db as unknown as { session?: { client?: { query: pg.Pool['query'] } } }).session?.client;
  if (!client) throw new Error('no pg client behind this database handle');
  return client;
}

function send<R extends Record<string, unknown>>(client: { query: pg.Pool['query'] }, t: Text) {
  let sqlText = t.chunks[0]!;
  for (let i = 1; i < t.chunks.length; i++) sqlText += `$${i}${t.chunks[i]}`;
  let name = names.get(sqlText);
  if (!name && names.size < MAX_NAMES) {
    name = `techex_${names.size + 1}`;
    names.set(sqlText, name);
  }
  return client.query<R>({ name, text: sqlText, values: t.values as unknown[], types: TYPES });
}

/**
 * Runs `t` on `db` (the transaction's connection, or the pool) as a named prepared statement.
 * `last`: `t` is its transaction's last statement; in a `pipelinedTransaction` it is sent with
 * the COMMIT, in one round trip (the transaction is over when this returns: write no more, and
 * throw nothing that should take `t` back). Elsewhere `last` changes nothing.
 */
export async function runText<R extends Record<string, unknown>>(
  db: DbOrTx,
  t: Text,
  opts: { last?: boolean } = {},
): Promise<R[]> {
  const piped = opts.last ? pipelines.get(db) : undefined;
  if (piped) return piped.last<R>(t);
  return (await send<R>(driverOf(db), t)).rows;
}

/** The open pipelined transactions, by their handle. */
const pipelines = new WeakMap<object, { last<R extends Record<string, unknown>>(t: Text): Promise<R[]> }>();

/**
 * A transaction of the hot path's shape (BEGIN, a read, a write, COMMIT) in two round trips
 * instead of four: BEGIN goes out with the first statement, without waiting for its answer,
 * and the statement run with `runText(tx, t, { last: true })` goes out with the COMMIT (pg's
 * pipeline mode, switched on for this connection while the transaction lasts and off before
 * it goes back to the pool). Each statement keeps its own Sync, so an error is that statement's
 * own: after a failed statement PostgreSQL answers the COMMIT queued behind it with a rollback,
 * and the statement's error is thrown. Without a `last` statement it commits at the end like
 * `db.transaction`; an error thrown by `fn` before the last statement rolls back.
 * A `db` not backed by a pool (a test's transaction) runs `db.transaction` as before.
 */
export async function pipelinedTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const session = (db as unknown as { session?: PoolSession }).session;
  if (!(session?.client instanceof pg.Pool)) return db.transaction(fn);
  const client = (await session.client.connect()) as pg.PoolClient & { pipeline: boolean };
  const txSession = new NodePgSession(client, session.dialect, session.schema, session.options);
  const tx = new NodePgTransaction(session.dialect, txSession, session.schema) as unknown as Tx;
  client.pipeline = true;
  // BEGIN and what `fn` sends before its first await leave in one write (one wake-up of the
  // server, one system call here), as do the last statement and the COMMIT.
  const stream = (client as unknown as { connection: { stream: Writable } }).connection.stream;
  stream.cork();
  const begin = client.query('BEGIN');
  begin.catch(() => undefined);
  let state: 'open' | 'ended' = 'open';
  let broken: Error | undefined;
  pipelines.set(tx, {
    async last<R extends Record<string, unknown>>(t: Text) {
      if (state !== 'open') throw new Error('pipelinedTransaction: a statement after the last one');
      await begin;
      state = 'ended';
      stream.cork();
      let sent: [Promise<pg.QueryResult<R>>, Promise<pg.QueryResult>];
      try {
        sent = [send<R>(client, t), client.query('COMMIT')];
      } finally {
        stream.uncork();
      }
      const [rows, commit] = await Promise.allSettled(sent);
      if (rows.status === 'rejected') throw rows.reason;
      if (commit.status === 'rejected') throw commit.reason;
      // A COMMIT PostgreSQL answered with ROLLBACK: the transaction had failed (not by `t`).
      if (commit.value.command !== 'COMMIT') throw new Error('pipelinedTransaction: rolled back');
      return rows.value.rows;
    },
  });
  try {
    let work: Promise<T>;
    try {
      work = fn(tx);
    } finally {
      stream.uncork();
    }
    const result = await work;
    if (state === 'open') {
      await begin;
      state = 'ended';
      await client.query('COMMIT');
    }
    return result;
  } catch (e) {
    if (state === 'open') {
      state = 'ended';
      await client.query('ROLLBACK').catch((err: Error) => {
        broken = err;
      });
    }
    throw e;
  } finally {
    client.pipeline = false;
    client.release(broken);
  }
}

interface PoolSession {
  client: unknown;
  dialect: PgDialect;
  schema: undefined;
  options: ConstructorParameters<typeof NodePgSession>[3];
}

const dialect = new PgDialect();

/**
 * A builder's SQL without parameters (a scalar subquery another module shares, e.g. identity's
 * `subCentreSql`) as a `Text` fragment; render it once, at module load, not per call.
 */
export function constantText(fragment: SQL): Text {
  const q = dialect.sqlToQuery(fragment);
  if (q.params.length) throw new Error('constantText: the fragment has parameters');
  return new Text([q.sql], []);
}
