import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import type { Principal } from '../../platform/principal.js';
import type { CatalogDeps } from './listings.js';
import type { ListingKind } from './model.js';
import { LIST_COLUMNS, type ListQuery, listKeys, listListings, listView, memoized } from './queries.js';
import { catalogListings } from './schema.js';
import type { ListingView } from './views.js';

/**
 * List pages as JSON (UTF-8 bytes), with each item's rendering kept by row version. A list item does not
 * depend on the caller (lists never show the confidential part) and PostgreSQL gives every
 * version of a row its own `xmin`, so (id, xmin) names one rendering for good. A page runs the
 * filtered, visibility-checked keyset query every time, but it reads only ids and versions;
 * items not yet rendered are read in one more query. Decoding twenty JSON documents and
 * serialising them again was most of a list request's cost, more than the query itself.
 * The bytes are exactly what the route's response schema makes of `listListings`' page.
 */
export type Render = (item: ListingView) => string;

/**
 * UTF-8 bytes, least recently used first (a read moves the entry to the end). Kept as bytes: a
 * page is then one copy, where a page of text would be encoded again on every write.
 */
class Rendered {
  private readonly items = new Map<string, Buffer>();
  constructor(private readonly max: number) {}
  get(key: string): Buffer | undefined {
    const bytes = this.items.get(key);
    if (bytes !== undefined) {
      this.items.delete(key);
      this.items.set(key, bytes);
    }
    return bytes;
  }
  set(key: string, bytes: Buffer): void {
    this.items.set(key, bytes);
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value!);
  }
}
/** About 1 KB an item: some megabytes per route for the listings people actually page through. */
const MAX_ITEMS = 10_000;
const caches = new WeakMap<Render, Rendered>();

function prepareByIds(db: Db) {
  return db
    .select(LIST_COLUMNS)
    .from(catalogListings)
    .where(sql`${catalogListings.id} = ANY(${sql.placeholder('ids')}::uuid[])`)
    .prepare('catalog_list_items_by_id');
}
const byIdsStatements = new WeakMap<Db, ReturnType<typeof prepareByIds>>();

const OPEN = Buffer.from('{"items":[');
const COMMA = Buffer.from(',');

function pageJson(items: Buffer[], nextCursor: string | null): Buffer {
  const parts: Buffer[] = [OPEN];
  for (const [i, item] of items.entries()) {
    if (i) parts.push(COMMA);
    parts.push(item);
  }
  parts.push(Buffer.from(`],"nextCursor":${nextCursor === null ? 'null' : JSON.stringify(nextCursor)}}`));
  return Buffer.concat(parts);
}

export async function listListingsJson(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  q: ListQuery,
  render: Render,
): Promise<Buffer> {
  const cache = memoized(caches, render, () => new Rendered(MAX_ITEMS));
  const page = await listKeys(deps, p, kind, q);
  const texts = page.items.map((k) => cache.get(`${k.id}:${k.xmin}`));
  const missing = page.items.filter((_, i) => texts[i] === undefined).map((k) => k.id);
  if (missing.length) {
    const statement = memoized(byIdsStatements, deps.db, () => prepareByIds(deps.db));
    const rows = new Map((await statement.execute({ ids: missing })).map((r) => [r.id, r]));
    for (const [i, k] of page.items.entries()) {
      if (texts[i] !== undefined) continue;
      const row = rows.get(k.id);
      // Changed (or gone) since the page was read: read the page again, rows and all, at once.
      if (!row || row.xmin !== k.xmin) return pageJson(...(await renderPage(deps, p, kind, q, render)));
      texts[i] = Buffer.from(render(listView(p, row)));
      cache.set(`${k.id}:${k.xmin}`, texts[i]);
    }
  }
  return pageJson(texts as Buffer[], page.nextCursor);
}

async function renderPage(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  q: ListQuery,
  render: Render,
): Promise<[Buffer[], string | null]> {
  const page = await listListings(deps, p, kind, q);
  return [page.items.map((item) => Buffer.from(render(item))), page.nextCursor];
}
