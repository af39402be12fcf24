import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { DbOrTx } from './db.js';

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

/** Runs `t` on `db` (the transaction's connection, or the pool) as a named prepared statement. */
export async function runText<R extends Record<string, unknown>>(db: DbOrTx, t: Text): Promise<R[]> {
  let sqlText = t.chunks[0]!;
  for (let i = 1; i < t.chunks.length; i++) sqlText += `$${i}${t.chunks[i]}`;
  let name = names.get(sqlText);
  if (!name && names.size < MAX_NAMES) {
    name = `techex_${names.size + 1}`;
    names.set(sqlText, name);
  }
  const result = await driverOf(db).query<R>({
    name,
    text: sqlText,
    values: t.values as unknown[],
    types: TYPES,
  });
  return result.rows;
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
