import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import type { Schema } from '../../platform/http/operations.js';
import { enqueueInTx } from '../../platform/outbox.js';
import type { CursorCodec, Page } from '../../platform/pagination.js';
import { emitEventInTx } from '../integration/index.js';
import type { PublicChange } from './lifecycle.js';
import type { ListingKind } from './model.js';
import { catalogChanges } from './schema.js';

declare module '../../platform/queue.js' {
  interface QueueRegistry {
    /**
     * A public catalog change, for the search index (matching consumes it). `version`: the content
     * version the change produced (absent on jobs queued before it was added), so work that follows
     * the index (alerts) judges that version even when later edits are indexed in the same batch.
     */
    'catalog.changed': { type: ListingKind; id: string; change: PublicChange; version?: number };
  }
}

export interface ChangeRecord {
  kind: ListingKind;
  listingId: string;
  change: PublicChange;
  version: number;
  /** The listing's status after the change (a status change keeps the content version). */
  status: string;
}

/**
 * Record public changes in the caller's transaction: the feed rows (position = this
 * transaction's id, then a sequence) and, in the same transaction, the matching hook's jobs.
 */
export async function recordChanges(tx: DbOrTx, changes: ChangeRecord[]): Promise<void> {
  if (!changes.length) return;
  const rows = await tx
    .insert(catalogChanges)
    .values(
      changes.map((c) => ({ kind: c.kind, listingId: c.listingId, change: c.change, version: c.version })),
    )
    .returning({ seq: catalogChanges.seq });
  for (let k = 0; k < changes.length; k++) {
    const c = changes[k]!;
    await enqueueInTx(
      tx,
      'catalog.changed',
      { type: c.kind, id: c.listingId, change: c.change, version: c.version },
      { jobId: `catalog-changed-${rows[k]!.seq}` },
    );
    // The same public change, for partners' webhooks (a public event: every subscriber may see it).
    await emitEventInTx(tx, {
      type: `${c.kind}.${c.change}`,
      subjectId: c.listingId,
      // `version` counts content edits; `status` tells apart status changes of one version
      // (published → in_negotiation → transacted): deduplicate on the event id, not (id, version).
      data: { id: c.listingId, type: c.kind, change: c.change, version: c.version, status: c.status },
    });
  }
}

/** The services module's objects in the feed: offerings are public, requests and orders private. */
export const SERVICE_FEED_TYPES = ['service_offering', 'service_request', 'service_order'] as const;
export type ServiceFeedType = (typeof SERVICE_FEED_TYPES)[number];
export type FeedType = ListingKind | ServiceFeedType;
export const FEED_TYPES: readonly FeedType[] = ['achievement', 'need', ...SERVICE_FEED_TYPES];
/** Without `types=`, the feed keeps its first contract: listings only. */
const DEFAULT_TYPES: readonly FeedType[] = ['achievement', 'need'];

export interface ServiceChange {
  type: ServiceFeedType;
  id: string;
  /** What happened: an offering `published | updated | withdrawn`, a request or order step's event name. */
  change: FeedChange;
  /**
   * null for a public change (an offering); otherwise the organisations party to the object, the
   * only ones whose feed shows the row (a request's requester and quoting institutions, an order's
   * buyer and institution).
   */
  audience: string[] | null;
}

/**
 * Record a service object's change in the caller's transaction, with the catalog's guarantees
 * (positions never skip a late commit). No search job: offerings are not in the search index
 * through this feed. `version` counts the object's rows in the feed (1, 2, …); the callers hold
 * the object's row lock, so two changes of one object never count the same number.
 */
export async function recordServiceChange(tx: DbOrTx, c: ServiceChange): Promise<void> {
  const audience = c.audience ? [...new Set(c.audience)] : null;
  await tx.execute(sql`
    INSERT INTO ${catalogChanges} (kind, listing_id, change, version, audience)
    SELECT ${c.type}, ${c.id}::uuid, ${c.change},
      (SELECT count(*)::int + 1 FROM ${catalogChanges} WHERE listing_id = ${c.id}::uuid AND kind = ${c.type}),
      ${audience ? sql`${`{${audience.join(',')}}`}::uuid[]` : sql`NULL`}`);
}

export type FeedItem = Schema<'CatalogChange'>;
/** A change's name as the contract lists them (the column holds only names the writers use). */
type FeedChange = FeedItem['change'];

const LIST = 'catalog.changes';

/**
 * Read the feed after `cursor`. Rows are ordered by (txid, seq) and only rows of transactions
 * older than the oldest one still in flight (`pg_snapshot_xmin`) are returned: every
 * transaction below that horizon has committed or aborted, so no row can later appear before
 * the returned position. A reader never misses a change; a long transaction only delays it.
 */
export async function readChanges(
  db: DbOrTx,
  cursors: CursorCodec,
  opts: { cursor?: string; types?: FeedType[]; limit: number; organisationId?: string },
): Promise<Page<FeedItem> & { nextCursor: string }> {
  const after = cursors.decode(LIST, opts.cursor) as [string, number] | undefined;
  const types = opts.types?.length ? opts.types : DEFAULT_TYPES;
  // Private rows (requests, orders) only for an organisation named in their audience.
  const visible = opts.organisationId
    ? sql`(audience IS NULL OR audience @> ARRAY[${opts.organisationId}::uuid])`
    : sql`audience IS NULL`;
  const res = await db.execute<{
    seq: number;
    position_txid: string;
    kind: FeedType;
    listing_id: string;
    change: FeedChange;
    version: number;
    occurred_at: Date | string;
  }>(sql`
    SELECT seq, txid::text AS position_txid, kind, listing_id, change, version, occurred_at
    FROM ${catalogChanges}
    WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
      ${after ? sql`AND (txid, seq) > (${after[0]}::xid8, ${after[1]}::bigint)` : sql``}
      AND kind = ANY(${`{${types.join(',')}}`}::text[])
      AND ${visible}
    -- the xid8 column, compared as a number (the text would put 10 before 9)
    ORDER BY ${catalogChanges.txid}, seq
    LIMIT ${opts.limit}`);
  const items = res.rows.map((r) => ({
    position: `${r.position_txid}.${r.seq}`,
    type: r.kind,
    id: r.listing_id,
    change: r.change,
    version: r.version,
    occurredAt: new Date(r.occurred_at).toISOString(),
  }));
  const last = res.rows[res.rows.length - 1];
  // The cursor always advances to the last row read (or stays put), so a reader can poll it.
  const nextCursor = last
    ? cursors.encode(LIST, [last.position_txid, Number(last.seq)])
    : (opts.cursor ?? cursors.encode(LIST, ['0', 0]));
  return { items, nextCursor };
}
