import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../test/context.js';

// Constraint names are what errors are mapped by (constraintOf), so each foreign key carries a
// name of its own, declared in the drizzle schema: <table>_<column>_fkey.
let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: testConfig().databaseUrl });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

describe('schema names', () => {
  it('names every foreign key after its table and column', async () => {
    const { rows } = await client.query<{ table: string; name: string; columns: string[] }>(`
      SELECT c.conrelid::regclass::text AS table, c.conname AS name,
             array_agg(a.attname::text ORDER BY a.attnum) AS columns
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
      GROUP BY 1, 2`);
    expect(rows.length).toBeGreaterThanOrEqual(35);
    const misnamed = rows.filter((r) => r.name !== `${r.table}_${r.columns.join('_')}_fkey`);
    expect(misnamed).toEqual([]);
  });
});
