/**
 * The batch issuer: signs and stores vouchers for pending transactions, many per database
 * transaction. BullMQ on PostgreSQL runs a few thousand no-op jobs a second, and a voucher job
 * that did its own transaction, signature and insert would cap issuance far below that. So a job
 * only *asks* (`request(transactionId)`), requests arriving together share one batch, and the job
 * completes when its batch commits. A sweep also picks up pending transactions on its own, so
 * issuance never waits on queue pickup (e.g. after a queue outage, or BullMQ's PostgreSQL backend
 * losing its LISTEN connection).
 *
 * Exactly once: the unique transaction_id on vouchers (ON CONFLICT DO NOTHING) and the row lock
 * on the pending transaction; a retried or duplicated job finds the transaction issued.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { recordOutboxProgress } from '../../platform/outbox.js';
import { emitIssuedEvents } from './events.js';
import type { Keyring } from './keys.js';
import { buildPayload, ISSUE_QUEUE, type VoucherRequest, voucherNumberFor } from './request.js';
import { insertVouchers, lockPendingTransactions, type NewVoucher, type TransactionRow } from './store.js';
import { signVoucherSync, voucherLeafHash } from './voucher-format.js';

export interface Issuer {
  /** Issue this transaction's voucher (in a shared batch); resolves once it exists. */
  request(transactionId: string): Promise<void>;
  /**
   * Issue pending transactions now, in batches of `limit` (default: the adaptive batch size), until
   * a batch is not full; returns how many vouchers were made.
   */
  sweep(limit?: number): Promise<number>;
  /** Sweep soon (coalesced; e.g. after this process recorded transactions). No-op when not started. */
  kick(): void;
  start(): void;
  stop(): Promise<void>;
}

export class IssueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssueError';
  }
}

/** work_mem of an issuing transaction (its batch's arrays in memory, not in a temporary file). */
const BATCH_WORK_MEM = '32MB';
/** Jobs' requests: at most this many per database transaction. */
const MAX_BATCH = 1000;
/**
 * The sweep's batch adapts to the backlog: it starts at SWEEP_MIN_BATCH, doubles after a full
 * batch (a backlog: fewer, larger transactions amortise the per-batch statements and commit) up
 * to SWEEP_MAX_BATCH, and halves after one less than half full.
 */
const SWEEP_MIN_BATCH = 500;
const SWEEP_MAX_BATCH = 4000;
/** Between sweeps while the last one found work: new transactions arrive all the time then. */
const BUSY_SWEEP_MS = 20;
/** The sweep reports its progress to the outbox at most this often (well inside the grace). */
const PROGRESS_EVERY_MS = 1000;
/** Concurrent sweeps during a backlog: signing (Node) overlaps the other's statements (PostgreSQL). */
const SWEEPERS = 2;

export function createIssuer(deps: {
  pool: pg.Pool;
  keyring: Keyring;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Called after a batch that made vouchers commits (the sequencer's kick). */
  onIssued?: (count: number) => void;
  sweepMs?: number;
}): Issuer {
  const { pool, keyring, logger } = deps;
  /** Between sweeps while idle (the last sweep found nothing). */
  const sweepMs = deps.sweepMs ?? 500;

  /** Signs and inserts vouchers for the locked rows; returns the transaction ids now issued. */
  async function issueRows(client: pg.PoolClient, rows: TransactionRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const signer = await keyring.voucherSigner();
    // Synchronous Ed25519 signing (~0.2 ms a voucher), yielding to the event loop between slices
    // so that a large batch after an outage cannot starve timers and database I/O.
    const signed: (NewVoucher | undefined)[] = [];
    // The numbers' random bits in one CSPRNG draw for the batch (7 bytes each), not one per voucher.
    const random = randomBytes(7 * rows.length);
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % 100 === 0) await new Promise((r) => setImmediate(r));
      const row = rows[i]!;
      try {
        const issuedAt = new Date();
        issuedAt.setMilliseconds(0); // the payload carries whole seconds
        const number = voucherNumberFor(issuedAt, random.subarray(7 * i, 7 * i + 7));
        const payload = buildPayload(row.request as VoucherRequest, number, issuedAt);
        const jws = signVoucherSync(payload, signer.privateKey, signer.kid);
        signed.push({
          transactionId: row.id,
          number,
          jws,
          kid: signer.kid,
          leafHash: Buffer.from(voucherLeafHash(jws)),
          issuedAt,
          revocationReason: row.revocation_requested_at ? (row.revocation_reason ?? 'cancelled') : null,
        });
      } catch (err) {
        // One bad request must not hold up the batch: it stays pending, its job fails visibly.
        logger.error({ err, transactionId: row.id }, 'cannot build or sign a voucher');
      }
    }
    const made = signed.filter((v): v is NewVoucher => v !== undefined);
    // One statement: the vouchers, their transactions marked issued, their jobs marked done.
    const issued = await insertVouchers(client, made);
    const rowOf = new Map(rows.map((r) => [r.id, r]));
    const done = new Set(issued);
    await emitIssuedEvents(
      client,
      made
        .filter((v) => done.has(v.transactionId))
        .map((v) => {
          const row = rowOf.get(v.transactionId)!;
          return {
            transactionId: row.id,
            sourceType: row.source_type,
            sourceId: row.source_id,
            request: row.request as VoucherRequest,
            number: v.number,
            issuedAt: v.issuedAt,
            revoked: v.revocationReason !== null,
          };
        }),
    );
    return issued;
  }

  async function inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      // A 4,000-voucher batch's arrays (5 MB of JWS) outgrow the default 4 MB work_mem, and the
      // insert's unnest then spilled them to a temporary file and read them back.
      await client.query(`BEGIN; SET LOCAL work_mem = '${BATCH_WORK_MEM}'`);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  // Transactions this process issued lately (committed): their job, usually arriving after the
  // sweep did the work, completes without a database round trip. Bounded, oldest dropped first.
  const recent = new Set<string>();
  const remember = (ids: Iterable<string>) => {
    for (const id of ids) recent.add(id);
    for (const id of recent) {
      if (recent.size <= 100_000) break;
      recent.delete(id);
    }
  };

  // The sweep's progress, for the outbox: while it is recent, the issuing jobs' outbox rows stay
  // with the sweep instead of going to the queue (request.ts ISSUE_DISPATCH_GRACE_MS). Outside the
  // batch's transaction, at most once per PROGRESS_EVERY_MS; a failed write only shortens the
  // deferral, so it is logged and dropped.
  let progressAt = 0;
  const progressed = () => {
    const now = Date.now();
    if (now - progressAt < PROGRESS_EVERY_MS) return;
    progressAt = now;
    recordOutboxProgress(pool, ISSUE_QUEUE).catch((err) =>
      logger.debug({ err }, 'cannot record the issuing sweep progress'),
    );
  };

  // Requests from concurrent jobs wait here and go out together.
  let waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }[]>();
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    while (waiting.size > 0) {
      const batch = waiting;
      waiting = new Map();
      const ids = [...batch.keys()];
      try {
        for (let i = 0; i < ids.length; i += MAX_BATCH) {
          const chunk = ids.slice(i, i + MAX_BATCH);
          const { issued, alreadyDone } = await inTransaction(async (client) => {
            const rows = await lockPendingTransactions(client, { ids: chunk });
            const pending = new Set(rows.map((r) => r.id));
            return {
              issued: new Set(await issueRows(client, rows)),
              alreadyDone: chunk.filter((id) => !pending.has(id)),
            };
          });
          if (issued.size) deps.onIssued?.(issued.size);
          remember(issued);
          const done = new Set([...issued, ...alreadyDone]);
          for (const id of chunk) {
            for (const w of batch.get(id) ?? []) {
              if (done.has(id)) w.resolve();
              else
                w.reject(new IssueError(`voucher for transaction ${id} was not issued (see the worker log)`));
            }
          }
        }
      } catch (err) {
        for (const ws of batch.values()) for (const w of ws) w.reject(err as Error);
      }
    }
  }

  function schedule(): void {
    if (flushing) return;
    // Let the jobs that arrive in this tick join the batch, then go.
    flushing = new Promise<void>((r) => setImmediate(r)).then(flush).finally(() => {
      flushing = undefined;
      if (waiting.size) schedule();
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  /** Sweeps in flight (at most SWEEPERS; each locks its own rows with SKIP LOCKED). */
  const sweeping = new Set<Promise<number>>();
  /** A kick arrived during a sweep: go again shortly after it ends. */
  let kicked = false;

  /** The sweep's current batch size (SWEEP_MIN_BATCH … SWEEP_MAX_BATCH). */
  let sweepBatch = SWEEP_MIN_BATCH;
  let dueAt = 0;
  /** The next sweep in `ms`, unless one is due sooner already. */
  function arm(ms: number): void {
    if (stopped) return;
    const at = Date.now() + ms;
    if (timer) {
      if (dueAt <= at) return;
      clearTimeout(timer);
    }
    dueAt = at;
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  }

  async function tick(): Promise<void> {
    timer = undefined;
    if (sweeping.size >= SWEEPERS) {
      kicked = true;
      return;
    }
    kicked = false;
    const run = issuer.sweep().catch((err) => {
      logger.warn({ err }, 'voucher issuing sweep failed; will retry');
      return 0;
    });
    sweeping.add(run);
    // A backlog (the batch grew past its minimum): a second sweep signs its batch while this
    // one's statements run in the database, instead of the two waiting for each other.
    if (sweepBatch > SWEEP_MIN_BATCH) arm(BUSY_SWEEP_MS);
    const made = await run;
    sweeping.delete(run);
    // Busy: sweep again shortly (transactions keep coming); idle: at the slow pace.
    arm(kicked || made > 0 ? BUSY_SWEEP_MS : sweepMs);
  }

  const issuer: Issuer = {
    request(transactionId) {
      if (recent.has(transactionId)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const list = waiting.get(transactionId) ?? [];
        list.push({ resolve, reject });
        waiting.set(transactionId, list);
        schedule();
      });
    },
    async sweep(limit) {
      let total = 0;
      for (;;) {
        const size = limit ?? sweepBatch;
        const n = await inTransaction(async (client) =>
          issueRows(client, await lockPendingTransactions(client, { limit: size })),
        );
        total += n.length;
        remember(n);
        if (n.length) {
          deps.onIssued?.(n.length);
          progressed();
        }
        if (limit === undefined) {
          if (n.length >= size) sweepBatch = Math.min(SWEEP_MAX_BATCH, size * 2);
          else if (n.length < size / 2) sweepBatch = Math.max(SWEEP_MIN_BATCH, Math.ceil(size / 2));
        }
        if (n.length < size) return total;
      }
    },
    kick() {
      // Within a busy interval, not at once: kicks from many requests share one sweep.
      if (sweeping.size) kicked = true;
      else arm(BUSY_SWEEP_MS);
    },
    start() {
      stopped = false;
      arm(sweepMs);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.all(sweeping);
      await flushing;
    },
  };
  return issuer;
}
