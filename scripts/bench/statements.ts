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
/** Statements by kind (their text's first words), for `statementKinds`. */
const kinds = new Map<string, number>();
const kindOf = (q: unknown): string => {
  const t = typeof q === 'string' ? q : ((q as { text?: string } | null)?.text ?? '?');
  return t.replace(/\s+/g, ' ').trim().slice(0, 90);
};
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof clientQuery>) {
  if (!uncounted.has(this)) {
    statements++;
    const k = kindOf(args[0]);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  return Reflect.apply(clientQuery, this, args);
} as typeof clientQuery;

/** A snapshot of the statements sent so far by kind; `statementKinds(before)` what was sent since. */
export function statementKinds(since?: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, n] of kinds) {
    const d = n - (since?.get(k) ?? 0);
    if (d) out.set(k, d);
  }
  return out;
}

export const statementsSent = (): number => statements;
export function uncount(client: pg.Client): void {
  uncounted.add(client);
}
