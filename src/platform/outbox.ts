import { and, asc, inArray, isNull, lt, or, sql } from 'drizzle-orm';
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
      const rows = await tx
        .select()
        .from(outboxJobs)
        .where(
          and(
            isNull(outboxJobs.dispatchedAt),
            or(isNull(outboxJobs.claimedUntil), lt(outboxJobs.claimedUntil, sql`now()`)),
            deps.onlyQueues ? inArray(outboxJobs.queue, [...deps.onlyQueues]) : undefined,
            ...[...(deps.deferred ?? [])].map(
              ([queue, ms]) =>
                sql`NOT (${outboxJobs.queue} = ${queue} AND ${outboxJobs.createdAt} > now() - make_interval(secs => ${ms / 1000}))`,
            ),
          ),
        )
        .orderBy(asc(outboxJobs.createdAt))
        .limit(BATCH)
        .for('update', { skipLocked: true });
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
