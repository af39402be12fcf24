import { and, eq, gte, inArray, lte, or, type SQL, sql } from 'drizzle-orm';
import { authorize } from '../../platform/authz.js';
import { clampLimit, type Page, paginate } from '../../platform/pagination.js';
import { isOperator, type Principal } from '../../platform/principal.js';
import { toArray } from './duplicates.js';
import { PUBLIC_STATUSES } from './lifecycle.js';
import type { CatalogDeps } from './listings.js';
import type { ListingKind } from './model.js';
import { catalogListings as l } from './schema.js';
import { type ListingRow, toView } from './views.js';

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

/** What the caller may list: public listings, its own, its sub-centres' submitted ones; operators all. */
function visibility(p: Principal | undefined): SQL | undefined {
  if (isOperator(p)) return undefined;
  const parts: SQL[] = [inArray(l.status, [...PUBLIC_STATUSES])];
  if (p?.organisationId) parts.push(eq(l.organisationId, p.organisationId));
  if (p?.roles.includes('registrar') && p.registrarSubCentres.length)
    parts.push(
      sql`(${l.subCentreId} = ANY(${toArray([...p.registrarSubCentres])}::uuid[]) AND ${l.status} <> 'draft')`,
    );
  return or(...parts);
}

/** A city code (xxxx00) matches its districts, a province code (xx0000) its cities. */
function regionFilter(code: string): SQL {
  if (code.endsWith('0000')) return sql`${l.regionCode} LIKE ${`${code.slice(0, 2)}%`}`;
  if (code.endsWith('00')) return sql`${l.regionCode} LIKE ${`${code.slice(0, 4)}%`}`;
  return eq(l.regionCode, code);
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
    return { expr: sql`coalesce(${col}, ${missing}::bigint)`, type: 'bigint', desc };
  }
  return { expr: sql`coalesce(${l.trl}::bigint, ${missing}::bigint)`, type: 'bigint', desc };
}

export async function listListings(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  q: ListQuery,
): Promise<Page<Record<string, unknown>>> {
  const sort = q.sort ?? '-updatedAt';
  const listName = `catalog.${kind}s.${sort}`;
  const after = deps.cursors.decode(listName, q.cursor) as [string, string] | undefined;
  const key = sortKey(kind, sort);
  const where: (SQL | undefined)[] = [eq(l.kind, kind), visibility(p)];
  if (q.field) where.push(eq(l.fieldCode, q.field));
  if (q.region) where.push(regionFilter(q.region));
  if (q.trlMin !== undefined) where.push(gte(l.trl, q.trlMin));
  if (q.trlMax !== undefined) where.push(lte(l.trl, q.trlMax));
  if (q.mode) where.push(sql`${l.modes} @> ARRAY[${q.mode}]::text[]`);
  if (kind === 'achievement') {
    if (q.priceMin !== undefined) where.push(gte(l.priceFen, q.priceMin));
    if (q.priceMax !== undefined) where.push(lte(l.priceFen, q.priceMax));
  } else {
    // A budget range overlapping the asked range.
    if (q.priceMin !== undefined)
      where.push(sql`coalesce(${l.budgetMaxFen}, ${l.budgetMinFen}) >= ${q.priceMin}`);
    if (q.priceMax !== undefined) where.push(sql`coalesce(${l.budgetMinFen}, 0) <= ${q.priceMax}`);
  }
  if (q.status) where.push(eq(l.status, q.status));
  if (q.organisationId) where.push(eq(l.organisationId, q.organisationId));
  if (q.updatedSince) where.push(sql`${l.updatedAt} >= ${q.updatedSince}::timestamptz`);
  if (after) {
    const cmp = key.desc ? sql`<` : sql`>`;
    where.push(sql`(${key.expr}, ${l.id}) ${cmp} (${after[0]}::${sql.raw(key.type)}, ${after[1]}::uuid)`);
  }
  const dir = key.desc ? sql`DESC` : sql`ASC`;
  const page = await paginate(
    deps.cursors,
    listName,
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select({ row: l, sk: sql<string>`(${key.expr})::text` })
        .from(l)
        .where(and(...where))
        .orderBy(sql`${key.expr} ${dir}`, sql`${l.id} ${dir}`)
        .limit(n),
    (r) => [r.sk, r.row.id],
  );
  return { items: page.items.map((r) => listView(p, r.row)), nextCursor: page.nextCursor };
}

/** In lists the confidential part is never included (fetch the listing itself for it). */
function listView(_p: Principal | undefined, row: ListingRow) {
  return toView(row, { confidential: false });
}

/** Submitted listings awaiting review in the caller's sub-centres (all, for operators), oldest first. */
export async function reviewQueue(
  deps: CatalogDeps,
  p: Principal | undefined,
  q: { kind?: ListingKind; cursor?: string; limit?: number },
): Promise<Page<Record<string, unknown>>> {
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
