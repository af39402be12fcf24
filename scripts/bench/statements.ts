import pg from 'pg';

/**
 * Statements sent to PostgreSQL by this process (every pg client's `query`, BEGIN and COMMIT
 * included). On a loaded machine each round trip costs a scheduler wake-up of the server and of
 * this process, so statements per operation explain a ratio better than CPU time does. Counts
 * everything in the process, background workers included; a bench's own sampling connections
 * can be left out with `uncount`.
 */
let statements = 0;
const uncounted = new WeakSet<pg.Client>();
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof clientQuery>) {
  if (!uncounted.has(this)) statements++;
  return Reflect.apply(clientQuery, this, args);
} as typeof clientQuery;

export const statementsSent = (): number => statements;
export function uncount(client: pg.Client): void {
  uncounted.add(client);
}
