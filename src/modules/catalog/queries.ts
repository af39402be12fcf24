import { createHash } from 'node:crypto';
import { and, eq, gte, inArray, lte, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { authorize } from '../../platform/authz.js';
import type { Db } from '../../platform/db.js';
import { clampLimit, type Page, paginate } from '../../platform/pagination.js';
import { isOperator, type Principal } from '../../platform/principal.js';
import { toArray } from './duplicates.js';
import { PUBLIC_STATUSES } from './lifecycle.js';
import type { CatalogDeps } from './listings.js';
import type { ListingKind } from './model.js';
import { catalogListings as l } from './schema.js';
import { type ListingView, toView, VIEW_COLUMNS, type ViewRow } from './views.js';

export const SORTS = ['-updatedAt', 'updatedAt', 'price', '-price', 'trl', '-trl'] as const;
export type Sort = (typeof SORTS)[number];

export interface ListQuery {
  field?: string;
  region?: string;
  trlMin?: number;
  trlMax?: number;
  mode?: string;
  priceMin?: number;
  priceMax?: number;
  status?: string;
  organisationId?: string;
  updatedSince?: string;
  sort?: Sort;
  cursor?: string;
  limit?: number;
}

/** `cache`'s value for `key`, made on first use (prepared statements per database handle). */
export function memoized<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** A condition's SQL, given how to write its values (placeholders of a prepared statement). */
type Ph = (name: string) => SQL | Placeholder;
interface Filter {
  /** Which SQL this filter writes (not its values): statements are prepared once per shape. */
  shape: string;
  values?: Record<string, unknown>;
  where: (ph: Ph) => SQL | undefined;
}

/** What the caller may list: public listings, its own, its sub-centres' submitted ones; operators all. */
function visibility(p: Principal | undefined): Filter {
  if (isOperator(p)) return { shape: 'all', where: () => undefined };
  const org = p?.organisationId;
  const centres = p?.roles.includes('registrar') ? p.registrarSubCentres : [];
  return {
    shape: `visible${org ? '+org' : ''}${centres.length ? '+centres' : ''}`,
    values: { visibleOrg: org, visibleCentres: toArray([...centres]) },
    where: (ph) => {
      const parts: SQL[] = [inArray(l.status, [...PUBLIC_STATUSES])];
      if (org) parts.push(eq(l.organisationId, ph('visibleOrg')));
      if (centres.length)
        parts.push(sql`(${l.subCentreId} = ANY(${ph('visibleCentres')}::uuid[]) AND ${l.status} <> 'draft')`);
      return or(...parts);
    },
  };
}

/** A city code (xxxx00) matches its districts, a province code (xx0000) its cities. */
function regionFilter(code: string): Filter {
  const prefix = code.endsWith('0000')
    ? code.slice(0, 2)
    : code.endsWith('00')
      ? code.slice(0, 4)
      : undefined;
  if (prefix === undefined)
    return { shape: 'region', values: { region: code }, where: (ph) => eq(l.regionCode, ph('region')) };
  return {
    shape: 'region-prefix',
    values: { region: `${prefix}%` },
    where: (ph) => sql`${l.regionCode} LIKE ${ph('region')}`,
  };
}

function sortKey(
  kind: ListingKind,
  sort: Sort,
): { expr: SQL; type: 'timestamptz' | 'bigint'; desc: boolean } {
  const desc = sort.startsWith('-');
  const by = sort.replace('-', '');
  if (by === 'updatedAt') return { expr: sql`${l.updatedAt}`, type: 'timestamptz', desc };
  // Negotiable (no price) sorts last either way.
  const missing = desc ? -1 : 9e15;
  if (by === 'price') {
    const col = kind === 'achievement' ? l.priceFen : l.budgetMaxFen;
    return { expr: sql`coalesce(${col}, ${sql.raw(String(missing))}::bigint)`, type: 'bigint', desc };
  }
  return { expr: sql`coalesce(${l.trl}::bigint, ${sql.raw(String(missing))}::bigint)`, type: 'bigint', desc };
}

function listFilters(
  p: Principal | undefined,
  kind: ListingKind,
  q: ListQuery,
  key: SortKey,
  after: [string, string] | undefined,
): Filter[] {
  const f: Filter[] = [
    { shape: kind, values: { kind }, where: (ph) => eq(l.kind, ph('kind')) },
    visibility(p),
  ];
  const add = (name: string, value: unknown, where: (v: SQL | Placeholder) => SQL) =>
    f.push({ shape: name, values: { [name]: value }, where: (ph) => where(ph(name)) });
  if (q.field) add('field', q.field, (v) => eq(l.fieldCode, v));
  if (q.region) f.push(regionFilter(q.region));
  if (q.trlMin !== undefined) add('trlMin', q.trlMin, (v) => gte(l.trl, v));
  if (q.trlMax !== undefined) add('trlMax', q.trlMax, (v) => lte(l.trl, v));
  if (q.mode) add('mode', q.mode, (v) => sql`${l.modes} @> ARRAY[${v}::text]`);
  if (kind === 'achievement') {
    if (q.priceMin !== undefined) add('priceMin', q.priceMin, (v) => gte(l.priceFen, v));
    if (q.priceMax !== undefined) add('priceMax', q.priceMax, (v) => lte(l.priceFen, v));
  } else {
    // A budget range overlapping the asked range.
    if (q.priceMin !== undefined)
      add('priceMin', q.priceMin, (v) => sql`coalesce(${l.budgetMaxFen}, ${l.budgetMinFen}) >= ${v}`);
    if (q.priceMax !== undefined)
      add('priceMax', q.priceMax, (v) => sql`coalesce(${l.budgetMinFen}, 0) <= ${v}`);
  }
  if (q.status) add('status', q.status, (v) => eq(l.status, v));
  if (q.organisationId) add('organisationId', q.organisationId, (v) => eq(l.organisationId, v));
  if (q.updatedSince) add('updatedSince', q.updatedSince, (v) => sql`${l.updatedAt} >= ${v}::timestamptz`);
  if (after) {
    const cmp = key.desc ? sql`<` : sql`>`;
    f.push({
      shape: 'after',
      values: { afterKey: after[0], afterId: after[1] },
      where: (ph) =>
        sql`(${key.expr}, ${l.id}) ${cmp} (${ph('afterKey')}::${sql.raw(key.type)}, ${ph('afterId')}::uuid)`,
    });
  }
  return f;
}

/**
 * A list never shows the confidential part (fetch the listing itself for it): read only
 * whether there is one, as a stand-in `toView` turns into `hasConfidential`.
 */
export const LIST_COLUMNS = {
  ...VIEW_COLUMNS,
  confidential: sql<unknown>`CASE WHEN ${l.confidential} IS NULL THEN NULL ELSE 'true'::jsonb END`,
  /** The row version: every update gives the row a new one (see list-json.ts). */
  xmin: sql<string>`${l}.xmin::text`,
};
/** A page's keys only: which rows, in which order, at which row version. */
const KEY_COLUMNS = { id: l.id, xmin: LIST_COLUMNS.xmin };
type Columns = typeof LIST_COLUMNS | typeof KEY_COLUMNS;

function buildList<C extends Columns>(db: Db, columns: C, filters: Filter[], key: SortKey, ph: Ph) {
  const dir = key.desc ? sql`DESC` : sql`ASC`;
  return db
    .select({ ...columns, sk: sql<string>`(${key.expr})::text` })
    .from(l)
    .where(and(...filters.map((f) => f.where(ph))))
    .orderBy(sql`${key.expr} ${dir}`, sql`${l.id} ${dir}`)
    .limit(ph('limit') as Placeholder);
}
type SortKey = ReturnType<typeof sortKey>;

/**
 * Prepared list statements by shape (which filters, sort and visibility; values are parameters),
 * per database handle. The name is derived from the SQL text, so a name always means one text
 * on every connection. Bounded: past MAX_SHAPES a list is built and run unprepared.
 */
const MAX_SHAPES = 200;
const listStatements = new WeakMap<
  Db,
  Map<string, { execute(v: Record<string, unknown>): Promise<unknown> }>
>();

function listStatement(
  db: Db,
  shape: string,
  build: () => { toSQL(): { sql: string }; prepare(name: string): unknown },
) {
  const byShape = memoized(listStatements, db, () => new Map());
  let statement = byShape.get(shape);
  if (!statement && byShape.size < MAX_SHAPES) {
    const query = build();
    const name = createHash('sha256').update(query.toSQL().sql).digest('base64url').slice(0, 20);
    statement = query.prepare(`catalog_list_${name}`) as typeof statement & object;
    byShape.set(shape, statement);
  }
  return statement;
}

type Row<C extends Columns> = {
  [K in keyof C]: C[K] extends { _: { data: infer D } } ? D : C[K] extends SQL<infer D> ? D : never;
} & { sk: string };

/** One page of rows with the given columns, filtered, visible to the caller, in keyset order. */
async function listPage<C extends Columns>(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  q: ListQuery,
  columns: C,
): Promise<Page<Row<C>>> {
  const sort = q.sort ?? '-updatedAt';
  const listName = `catalog.${kind}s.${sort}`;
  const after = deps.cursors.decode(listName, q.cursor) as [string, string] | undefined;
  const key = sortKey(kind, sort);
  const filters = listFilters(p, kind, q, key, after);
  const shape = `${columns === KEY_COLUMNS ? 'keys' : 'rows'}|${sort}|${filters.map((f) => f.shape).join('|')}`;
  const values: Record<string, unknown> = {};
  for (const f of filters) Object.assign(values, f.values);
  const statement = listStatement(deps.db, shape, () =>
    buildList(deps.db, columns, filters, key, sql.placeholder),
  );
  return paginate(
    deps.cursors,
    listName,
    clampLimit(q.limit),
    (n) =>
      (statement
        ? statement.execute({ ...values, limit: n })
        : buildList(
            deps.db,
            columns,
            filters,
            key,
            (name) => sql`${(name === 'limit' ? n : values[name]) ?? null}`,
          )) as Promise<Row<C>[]>,
    (r) => [r.sk, r.id as string],
  );
}

export async function listListings(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  q: ListQuery,
): Promise<Page<ListingView>> {
  const page = await listPage(deps, p, kind, q, LIST_COLUMNS);
  return { items: page.items.map((r) => listView(p, r)), nextCursor: page.nextCursor };
}

/** The keys of a page (id, row version, sort key): what list-json.ts renders from its cache. */
export function listKeys(deps: CatalogDeps, p: Principal | undefined, kind: ListingKind, q: ListQuery) {
  return listPage(deps, p, kind, q, KEY_COLUMNS);
}

/** In lists the confidential part is never included (fetch the listing itself for it). */
export function listView(_p: Principal | undefined, row: ViewRow) {
  return toView(row, { confidential: false });
}

/** Submitted listings awaiting review in the caller's sub-centres (all, for operators), oldest first. */
export async function reviewQueue(
  deps: CatalogDeps,
  p: Principal | undefined,
  q: { kind?: ListingKind; cursor?: string; limit?: number },
): Promise<Page<ListingView>> {
  authorize(p, 'catalog.review-queue', null);
  const after = deps.cursors.decode('catalog.review-queue', q.cursor) as [string, string] | undefined;
  const where: (SQL | undefined)[] = [eq(l.status, 'submitted')];
  if (q.kind) where.push(eq(l.kind, q.kind));
  if (!isOperator(p))
    where.push(sql`${l.subCentreId} = ANY(${toArray([...(p?.registrarSubCentres ?? [])])}::uuid[])`);
  if (after) where.push(sql`(${l.updatedAt}, ${l.id}) > (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const page = await paginate(
    deps.cursors,
    'catalog.review-queue',
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select({ row: l, sk: sql<string>`${l.updatedAt}::text` })
        .from(l)
        .where(and(...where))
        .orderBy(l.updatedAt, l.id)
        .limit(n),
    (r) => [r.sk, r.row.id],
  );
  // Reviewers see the confidential part: checking it is part of the review.
  return { items: page.items.map((r) => toView(r.row, { confidential: true })), nextCursor: page.nextCursor };
}
