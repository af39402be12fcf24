/**
 * The shape most object lists share: rows newest first by a time-ordered (UUIDv7) id, kept to
 * what the caller may see. For objects with two parties (an interest's interested and owning
 * organisations, an order's buyer and institution) `partyScope` says which rows those are.
 */
import { and, desc, eq, lt, or, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgSelect } from 'drizzle-orm/pg-core';
import { type CursorCodec, type Page, pageByIdDesc } from './pagination.js';
import { isOperator, type Principal } from './principal.js';

/**
 * The rows of a two-party object the caller sees: its organisation's side when `role` names
 * one, either side otherwise; an operator acting for no organisation sees all, any other caller
 * without an organisation none.
 */
export function partyScope<R extends string>(
  p: Principal | undefined,
  role: R | undefined,
  sides: Record<R, PgColumn>,
): SQL {
  const org = p?.organisationId;
  if (!org) return !role && isOperator(p) ? sql`true` : sql`false`;
  if (role) return eq(sides[role], org);
  const columns: PgColumn[] = Object.values(sides);
  return or(...columns.map((c) => eq(c, org))) ?? sql`false`;
}

/**
 * One page of `query` (a `$dynamic()` select of a table keyed by a UUIDv7 `id` column), newest
 * first: filtered by `where`, continued below the cursor's id, `limit + 1` rows fetched to
 * know whether more follow. The cursor is bound to `list`.
 */
export function pageNewestFirst<Q extends PgSelect>(
  codec: CursorCodec,
  list: string,
  q: { cursor?: string; limit?: number },
  query: Q,
  id: PgColumn,
  where: SQL | undefined,
  idOf: (row: Q['_']['result'][number]) => string,
): Promise<Page<Q['_']['result'][number]>> {
  return pageByIdDesc(
    codec,
    list,
    q,
    (before, limit) =>
      query
        .where(before ? and(where, lt(id, before)) : where)
        .orderBy(desc(id))
        .limit(limit),
    idOf,
  );
}
