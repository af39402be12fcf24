import { type SQL, sql } from 'drizzle-orm';

/**
 * Writes of several modules in ONE statement (data-modifying CTEs), for a transaction holding a
 * hot lock: a contract's registration writes everything that carries its number while the
 * registration point's counter row is locked, so the lock is held for one round trip, not six.
 *
 * A `LateValue` is a value only the statement knows (the number its first CTE allocates): `from`
 * is the CTE yielding it (zero rows: nothing selected from it is written), `value` the column.
 */
export interface LateValue {
  from: SQL;
  value: SQL;
}

/** `json` as a jsonb expression with the late value written at each of `paths` (null: SQL NULL). */
export function jsonbWith(json: unknown, late?: LateValue, paths: readonly (readonly string[])[] = []): SQL {
  if (json === null || json === undefined) return sql`NULL::jsonb`;
  let expr = sql`${JSON.stringify(json)}::jsonb`;
  if (!late) return expr;
  for (const p of paths)
    expr = sql`jsonb_set(${expr}, ${`{${p.join(',')}}`}::text[], to_jsonb(${late.value}))`;
  return expr;
}

/** A CTE name chosen by the code (never input). */
export const cteName = (name: string): SQL => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad CTE name ${name}`);
  return sql.raw(name);
};
