import { beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../test/app.js';
import type { TestContext } from '../test/context.js';
import { joinText, jsonbTextWith, raw, runText, text } from './statement.js';

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
