import { beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../test/app.js';
import type { TestContext } from '../test/context.js';
import type { Tx } from './db.js';
import { joinText, jsonbTextWith, pipelinedTransaction, raw, runText, text } from './statement.js';

let ctx: TestContext;
const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
});

describe('statements written as text', () => {
  it('numbers the values of nested fragments in order and never puts a value into the text', async () => {
    // Values that look like SQL or placeholders stay values.
    const tricky = `'); DROP TABLE audit_events; -- $1`;
    const inner = text`${tricky}::text AS a, ${'$2'}::text AS b`;
    const more = joinText([text`${1}::int AS c`, text`${null}::int AS d`], ', ');
    const [row] = await runText(
      ctx.database.db,
      text`SELECT ${inner}, ${more}, ${raw("'constant'")} AS e, ${jsonbTextWith({ n: 1 }, "'late'::text", [['v']])} AS f`,
    );
    expect(row).toEqual({ a: tricky, b: '$2', c: 1, d: null, e: 'constant', f: { n: 1, v: 'late' } });
  });

  it('prepares a text once per connection and runs it again with other values', async () => {
    const rows = await ctx.database.db.transaction(async (tx) => {
      const probe = (v: number) => runText<{ v: number }>(tx, text`SELECT ${v}::int + 1 AS v`);
      const [a] = await probe(1);
      const [b] = await probe(41);
      const prepared = await runText<{ n: number }>(
        tx,
        text`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = ${'SELECT $1::int + 1 AS v'}::text`,
      );
      return { a: a!.v, b: b!.v, n: prepared[0]!.n };
    });
    expect(rows).toEqual({ a: 2, b: 42, n: 1 });
  });
});

describe('pipelined transactions (BEGIN with the first statement, the last with COMMIT)', () => {
  const probe = async () => {
    await ctx.database.pool.query(
      'CREATE TABLE IF NOT EXISTS pipelined_probe (id int PRIMARY KEY, v int NOT NULL CHECK (v > 0))',
    );
    await ctx.database.pool.query('TRUNCATE pipelined_probe');
  };
  const stored = async () =>
    (await ctx.database.pool.query<{ id: number }>('SELECT id FROM pipelined_probe ORDER BY id')).rows.map(
      (r) => r.id,
    );
  const idleClientsPipelined = () =>
    (ctx.database.pool as unknown as { _clients: { pipeline?: boolean }[] })._clients.filter(
      (c) => c.pipeline,
    ).length;

  it('runs its statements in one transaction and commits with the last one', async () => {
    await probe();
    const out = await pipelinedTransaction(ctx.database.db, async (tx) => {
      const [first] = await runText<{ x: string }>(tx, text`SELECT txid_current()::text AS x`);
      await runText(tx, text`INSERT INTO pipelined_probe VALUES (${1}, ${1})`);
      const [last] = await runText<{ x: string }>(
        tx,
        text`WITH ins AS (INSERT INTO pipelined_probe VALUES (${2}, ${1})) SELECT txid_current()::text AS x`,
        { last: true },
      );
      // The transaction is over: no statement after the last one.
      await expect(runText(tx, text`SELECT 1`, { last: true })).rejects.toThrow(/after the last/);
      return { first: first!.x, last: last!.x };
    });
    expect(out.first).toBe(out.last);
    expect(await stored()).toEqual([1, 2]);
    expect(idleClientsPipelined()).toBe(0);
  });

  /** On an empty probe table, a pipelined transaction that inserts row 1, then does `rest`. */
  const afterFirstRow = async (rest: (tx: Tx) => Promise<unknown>) => {
    await probe();
    return pipelinedTransaction(ctx.database.db, async (tx) => {
      await runText(tx, text`INSERT INTO pipelined_probe VALUES (${1}, ${1})`);
      await rest(tx);
    });
  };

  it('takes everything back when the last statement fails, and throws its error', async () => {
    await expect(
      afterFirstRow((tx) =>
        runText(tx, text`INSERT INTO pipelined_probe VALUES (${2}, ${-1})`, { last: true }),
      ),
    ).rejects.toMatchObject({ code: '23514' });
    expect(await stored()).toEqual([]);
    expect(idleClientsPipelined()).toBe(0);
  });

  it('rolls back when the work throws before the last statement, and commits without one', async () => {
    await expect(
      afterFirstRow(async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await stored()).toEqual([]);
    await pipelinedTransaction(ctx.database.db, (tx) =>
      runText(tx, text`INSERT INTO pipelined_probe VALUES (${3}, ${1})`),
    );
    expect(await stored()).toEqual([3]);
    expect(idleClientsPipelined()).toBe(0);
  });
});
