import { and, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db, DbOrTx } from './db.js';
import { newId } from './ids.js';
import { assertJobId, type Payload, type QueueFactory, type QueueName, withTimeout } from './queue.js';
import { outboxJobs } from './schema.js';

/**
 * Durable side effects. `enqueueInTx` records the job in the caller's transaction; after commit
 * the dispatcher hands it to BullMQ with a deterministic job id. If the process dies or the
 * queue is unreachable, the row stays pending and a later sweep delivers it; BullMQ ignores an
 * add whose job id it already has, so a re-dispatch never doubles the work.
 */
export async function enqueueInTx<N extends QueueName>(
  tx: DbOrTx,
  queue: N,
  payload: Payload<N>,
  opts: { jobId?: string; name?: string } = {},
): Promise<string> {
  const id = newId();
  const jobId = opts.jobId ?? id;
  assertJobId(jobId);
  await tx
    .insert(outboxJobs)
    .values({ id, queue, name: opts.name ?? queue, jobId, payload: payload as object });
  return jobId;
}

/** `enqueueInTx` for many jobs of one queue in one statement (e.g. a batch of requests). */
export async function enqueueManyInTx<N extends QueueName>(
  tx: DbOrTx,
  queue: N,
  jobs: { payload: Payload<N>; jobId: string }[],
): Promise<void> {
  if (jobs.length === 0) return;
  for (const j of jobs) assertJobId(j.jobId);
  await tx
    .insert(outboxJobs)
    .values(
      jobs.map((j) => ({ id: newId(), queue, name: queue, jobId: j.jobId, payload: j.payload as object })),
    );
}

export interface OutboxDispatcher {
  /** Ask for a dispatch soon (coalesced); call after a transaction that enqueued jobs commits. */
  kick(): void;
  /** Dispatch everything pending now; returns how many rows were handed to the queue. */
  dispatchPending(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

const BATCH = 200;
const CLAIM_SECONDS = 30;

/**
 * The outbox grace of each queue the modules defer (`ModuleDefinition.deferOutboxDispatch`):
 * queue → ms. The runtime hands it to its dispatcher (`deferred` option).
 */
export function deferredQueuesOf(
  modules: readonly { deferOutboxDispatch?: Readonly<Record<string, number>> }[],
): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of modules)
    for (const [queue, graceMs] of Object.entries(m.deferOutboxDispatch ?? {})) {
      if (out.has(queue)) throw new Error(`outbox dispatch of ${queue} is deferred by two modules`);
      out.set(queue, graceMs);
    }
  return out;
}

/** A deferred queue's rows go to the queue after this many graces even while its service progresses. */
export const DEFER_CEILING = 10;

/**
 * A deferred queue's service made progress on the queue's work now (e.g. committed a batch): the
 * dispatcher leaves the queue's rows to it for another grace (claimStatement). Outside the
 * service's own transactions (one row per queue: concurrent batches must not queue on it), and
 * at most about once a second per caller is enough.
 */
export async function recordOutboxProgress(
  q: { query(text: string, params?: unknown[]): Promise<unknown> },
  queue: string,
): Promise<void> {
  await q.query(
    `INSERT INTO outbox_progress (queue, progressed_at) VALUES ($1, now())
     ON CONFLICT (queue) DO UPDATE SET progressed_at = excluded.progressed_at`,
    [queue],
  );
}

/**
 * The dispatcher's claim: up to `limit` pending, unclaimed rows, oldest first, locked (`SKIP
 * LOCKED`: another dispatcher's rows are left to it). Rows of a deferred queue younger than its
 * grace (from their creation and from the service's last progress, recordOutboxProgress) are not
 * taken, and not visited either: the pending rows' index is on (queue, created_at),
 * the statement finds the queues with pending rows by one index probe each (a loose index scan)
 * and reads each queue's rows from its oldest up to its cutoff (its grace for a deferred queue,
 * none otherwise), so a backlog of young deferred rows costs the claim nothing. The chosen rows
 * are then locked by primary key (`= ANY(ARRAY(…))`: an `IN (…)` let the planner scan the table).
 */
export function claimStatement(opts: {
  deferred?: ReadonlyMap<string, number>;
  onlyQueues?: readonly string[];
  limit: number;
}): SQL {
  const deferred = [...(opts.deferred ?? [])];
  // A deferred queue's grace runs from its service's last progress as well as from the row's
  // creation: while the service reported progress within the grace (a backlog it is working
  // through), only rows older than DEFER_CEILING graces are taken (one it cannot issue still
  // reaches the queue, and fails there visibly).
  const cutoff = deferred.length
    ? sql`CASE q.queue ${sql.join(
        deferred.map(
          ([queue, ms]) =>
            sql`WHEN ${queue}::text THEN now() - make_interval(secs => ${ms / 1000} * CASE WHEN EXISTS (
                  SELECT 1 FROM outbox_progress p
                  WHERE p.queue = ${queue}::text AND p.progressed_at > now() - make_interval(secs => ${ms / 1000})
                ) THEN ${DEFER_CEILING} ELSE 1 END)`,
        ),
        sql` `,
      )} ELSE 'infinity'::timestamptz END`
    : sql`'infinity'::timestamptz`;
  const only = opts.onlyQueues
    ? sql`AND q.queue IN (${sql.join(
        opts.onlyQueues.map((queue) => sql`${queue}::text`),
        sql`, `,
      )})`
    : sql``;
  return sql`
    SELECT j.id, j.queue, j.name, j.job_id, j.payload
    FROM outbox_jobs j
    WHERE j.id = ANY(ARRAY(
        WITH RECURSIVE q(queue) AS (
          (SELECT queue FROM outbox_jobs WHERE dispatched_at IS NULL ORDER BY queue LIMIT 1)
          UNION ALL
          SELECT (SELECT o.queue FROM outbox_jobs o
                  WHERE o.dispatched_at IS NULL AND o.queue > q.queue ORDER BY o.queue LIMIT 1)
          FROM q WHERE q.queue IS NOT NULL
        )
        SELECT c.id
        FROM q CROSS JOIN LATERAL (
          SELECT o.id, o.created_at FROM outbox_jobs o
          WHERE o.dispatched_at IS NULL AND o.queue = q.queue AND o.created_at <= ${cutoff}
            AND (o.claimed_until IS NULL OR o.claimed_until < now())
          ORDER BY o.created_at LIMIT ${opts.limit}
        ) c
        WHERE q.queue IS NOT NULL ${only}
        ORDER BY c.created_at LIMIT ${opts.limit}
      ))
      AND j.dispatched_at IS NULL AND (j.claimed_until IS NULL OR j.claimed_until < now())
    ORDER BY j.created_at
    FOR UPDATE OF j SKIP LOCKED`;
}

export function createOutboxDispatcher(deps: {
  db: Db;
  queues: QueueFactory;
  logger: Pick<Logger, 'warn' | 'debug'>;
  sweepMs: number;
  /** Only these queues' rows (tests: keep one file's dispatcher off another file's jobs). */
  onlyQueues?: readonly string[];
  /**
   * Queue → grace (ms), from the modules' `deferOutboxDispatch` (`deferredQueuesOf`): rows of such a
   * queue younger than its grace are left to the module's own service, then delivered as any other.
   */
  deferred?: ReadonlyMap<string, number>;
}): OutboxDispatcher {
  const { db, queues, logger } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = false;

  async function claim() {
    // A short transaction: pick pending rows and mark them claimed; no queue call inside it.
    return db.transaction(async (tx) => {
      const res = await tx.execute(
        claimStatement({ deferred: deps.deferred, onlyQueues: deps.onlyQueues, limit: BATCH }),
      );
      const rows = (
        res.rows as { id: string; queue: string; name: string; job_id: string; payload: unknown }[]
      ).map((r) => ({ id: r.id, queue: r.queue, name: r.name, jobId: r.job_id, payload: r.payload }));
      if (rows.length) {
        await tx
          .update(outboxJobs)
          .set({ claimedUntil: sql`now() + make_interval(secs => ${CLAIM_SECONDS})` })
          .where(
            inArray(
              outboxJobs.id,
              rows.map((r) => r.id),
            ),
          );
      }
      return rows;
    });
  }

  async function once(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await claim();
      if (!rows.length) return total;
      const done: string[] = [];
      const failedQueues = new Set<string>();
      // One bulk add per queue: a single round trip (one statement on the PostgreSQL backend)
      // instead of one per job. Existing job ids are skipped by BullMQ as with `add`.
      const byQueue = new Map<string, typeof rows>();
      for (const row of rows) {
        const group = byQueue.get(row.queue);
        if (group) group.push(row);
        else byQueue.set(row.queue, [row]);
      }
      for (const [queue, group] of byQueue) {
        try {
          await withTimeout(
            queues
              .queue(queue)
              .addBulk(group.map((r) => ({ name: r.name, data: r.payload, opts: { jobId: r.jobId } }))),
            5000,
            'queue add',
          );
          done.push(...group.map((r) => r.id));
        } catch (err) {
          failedQueues.add(queue);
          await queues.reset(queue);
          logger.warn({ err, queue, jobs: group.length }, 'outbox dispatch failed; will retry');
          await db
            .update(outboxJobs)
            .set({
              attempts: sql`${outboxJobs.attempts} + 1`,
              lastError: String((err as Error).message ?? err).slice(0, 500),
              claimedUntil: null,
            })
            .where(
              and(
                isNull(outboxJobs.dispatchedAt),
                inArray(
                  outboxJobs.id,
                  group.map((r) => r.id),
                ),
              ),
            );
        }
      }
      if (done.length) {
        await db
          .update(outboxJobs)
          .set({ dispatchedAt: sql`now()`, claimedUntil: null })
          .where(inArray(outboxJobs.id, done));
      }
      total += done.length;
      if (failedQueues.size || rows.length < BATCH) return total;
    }
  }

  const dispatcher: OutboxDispatcher = {
    dispatchPending() {
      if (running) {
        again = true;
        return running;
      }
      running = once()
        .catch((err) => {
          logger.warn({ err }, 'outbox sweep failed');
          return 0;
        })
        .finally(() => {
          running = undefined;
          if (again && !stopped) {
            again = false;
            void dispatcher.dispatchPending();
          }
        });
      return running;
    },
    kick() {
      if (!stopped) setImmediate(() => void dispatcher.dispatchPending());
    },
    start() {
      stopped = false;
      const tick = () => {
        timer = setTimeout(async () => {
          await dispatcher.dispatchPending();
          if (!stopped) tick();
        }, deps.sweepMs);
        timer.unref();
      };
      tick();
      dispatcher.kick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
  return dispatcher;
}

/** Dispatched rows older than a week are pruned by the platform maintenance job. */
export async function pruneOutbox(db: Db, olderThanDays = 7): Promise<number> {
  const res = await db
    .delete(outboxJobs)
    .where(
      and(
        sql`dispatched_at IS NOT NULL`,
        lt(outboxJobs.dispatchedAt, sql`now() - make_interval(days => ${olderThanDays})`),
      ),
    );
  return res.rowCount ?? 0;
}
