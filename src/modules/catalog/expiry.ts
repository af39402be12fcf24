import { and, asc, eq, inArray, lt, notInArray, type SQL, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Actor } from '../../platform/audit.js';
import type { Db, DbOrTx } from '../../platform/db.js';
import type { BackgroundService, ModuleContext } from '../../platform/module.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import { notifyInTx } from '../notifications/index.js';
import { catalogListings as l } from './schema.js';
import { applyTransition } from './transitions.js';
import type { ListingRow } from './views.js';

/**
 * Automatic expiry (到期下架): a published listing whose `valid_until` day has passed moves to
 * `expired` through the same transition as an operator's `expire` (audited as the system, a
 * change-feed entry, the `achievement.expired` / `need.expired` webhook event), and its owner
 * organisation is told in its inbox that it can renew.
 *
 * - `valid_until` is the achievement's `validUntil`; for a need, its `validUntil` or else its
 *   `deadline` (views.ts `columnsOf`). A listing without one never expires by itself.
 * - Dates are the exchange's calendar days (China, UTC+8): valid until 2026-11-26 means valid
 *   through that day; it expires from 2026-11-27 00:00 Beijing time.
 * - Only `published` listings expire: one `in_negotiation` is mid-deal and stays; when it is
 *   reopened (back to published) the next sweep expires it if its date has passed by then.
 *
 * Safe with any number of worker processes: each batch locks its rows `FOR UPDATE SKIP LOCKED`
 * and re-checks the status under the lock, so a listing is expired by exactly one sweep.
 */
export const EXPIRY_ACTOR: Actor = { type: 'system', id: 'catalog-expiry' };
/** How often each worker process sweeps (expiry is by the day; a quarter hour is prompt enough). */
export const EXPIRY_INTERVAL_MS = 15 * 60_000;
const BATCH = 100;

/** Today in China (UTC+8, no daylight saving), as the database sees it. */
const CHINA_TODAY = sql`(now() AT TIME ZONE 'Asia/Shanghai')::date`;

const KIND_ZH = { achievement: '科技成果', need: '技术需求' } as const;

export interface SweepOptions {
  batchSize?: number;
  /** Restrict the sweep to these owners (tests isolate themselves by organisation). */
  organisationIds?: string[];
  logger?: Pick<Logger, 'warn'>;
}

/** Expire every due listing now, a locked batch per transaction; returns how many expired. */
export async function expireDueListings(db: Db, opts: SweepOptions = {}): Promise<number> {
  const batchSize = opts.batchSize ?? BATCH;
  // Rows that failed are skipped for the rest of this run (the next run tries them again),
  // so one bad row cannot stop the others or spin the loop.
  const failed = new Set<string>();
  let total = 0;
  for (;;) {
    const { seen, expired } = await db.transaction(async (tx) => {
      const where: (SQL | undefined)[] = [eq(l.status, 'published'), lt(l.validUntil, CHINA_TODAY)];
      if (opts.organisationIds) where.push(inArray(l.organisationId, opts.organisationIds));
      if (failed.size) where.push(notInArray(l.id, [...failed]));
      const rows = await tx
        .select()
        .from(l)
        .where(and(...where))
        .orderBy(asc(l.validUntil), asc(l.id))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      let done = 0;
      for (const row of rows) {
        try {
          // A savepoint each: a failure undoes that listing only.
          await tx.transaction((sp) => expireOne(sp, row));
          done++;
        } catch (err) {
          failed.add(row.id);
          opts.logger?.warn({ err, listingId: row.id }, 'could not expire listing');
        }
      }
      return { seen: rows.length, expired: done };
    });
    total += expired;
    if (seen < batchSize) return total;
  }
}

async function expireOne(tx: DbOrTx, row: ListingRow): Promise<void> {
  const updated = await applyTransition(tx, row, { action: 'expire' }, EXPIRY_ACTOR);
  const kind = row.kind as keyof typeof KIND_ZH;
  await notifyInTx(tx, [
    {
      recipient: { organisationId: row.organisationId },
      kind: 'listing.expired',
      title: `${KIND_ZH[kind]}「${row.title}」已于 ${row.validUntil} 到期下架，续期后可重新发布`,
      data: {
        type: kind,
        id: row.id,
        title: row.title,
        version: updated.version,
        validUntil: row.validUntil,
      },
      // One notice per expiry: a renewed listing that expires again is told again.
      dedupKey: `listing.expired:${row.id}:${row.version}:${row.validUntil}`,
    },
  ]);
}

export interface ExpiryServiceOptions extends SweepOptions {
  db: Db;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  intervalMs?: number;
}

/** The periodic sweep, run by worker processes beside the queue workers (module.ts). */
export function createExpiryService(opts: ExpiryServiceOptions): BackgroundService & {
  /** One sweep now (or the one already running). */
  runOnce(): Promise<number>;
} {
  const intervalMs = opts.intervalMs ?? EXPIRY_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  const runOnce = () => {
    running ??= expireDueListings(opts.db, opts)
      .then((n) => {
        if (n) opts.outbox.kick();
        return n;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const tick = () => {
    runOnce().catch((err) => opts.logger?.warn({ err }, 'listing expiry sweep failed'));
  };
  return {
    name: 'catalog-expiry',
    runOnce,
    async start() {
      if (timer) return;
      tick(); // at start-up, then on the interval
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

export function catalogServices(ctx: ModuleContext): BackgroundService[] {
  const logger = ctx.logger.child({ component: 'catalog-expiry' });
  return [createExpiryService({ db: ctx.database.db, outbox: ctx.outbox, logger })];
}
