import { eq, sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../test/app.js';
import type { TestContext } from '../test/context.js';
import { startTcpProxy, type TcpProxy } from '../test/tcp-proxy.js';
import { newId } from './ids.js';
import {
  claimStatement,
  createOutboxDispatcher,
  DEFER_CEILING,
  deferredQueuesOf,
  enqueueInTx,
  type OutboxDispatcher,
  recordOutboxProgress,
} from './outbox.js';
import { type AnyWorker, createQueueFactory, type QueueBackend, type QueueFactory } from './queue.js';
import { outboxJobs } from './schema.js';

// A table private to this test: the "business change" and the job's observable effect.
const runs = pgTable('outbox_test_runs', {
  jobKey: text('job_key').notNull(),
  count: integer('count').notNull(),
});

let ctx: TestContext;
let proxy: TcpProxy;
let proxiedQueues: QueueFactory;
let dispatcher: OutboxDispatcher;
let worker: AnyWorker;
const queueName = 'platform.outbox-test';

function throughProxy(b: QueueBackend, port: number): QueueBackend {
  if (b.kind === 'redis') {
    const u = new URL(b.url);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return { ...b, url: u.toString() };
  }
  const u = new URL(b.connectionString);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return { ...b, connectionString: u.toString() };
}

const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
  await ctx.database.db.execute(
    sql`CREATE TABLE IF NOT EXISTS outbox_test_runs (job_key text PRIMARY KEY, count integer NOT NULL)`,
  );
  const target = new URL(
    ctx.queueBackend.kind === 'redis' ? ctx.queueBackend.url : ctx.queueBackend.connectionString,
  );
  proxy = await startTcpProxy(
    target.hostname,
    Number(target.port || (ctx.queueBackend.kind === 'redis' ? 6379 : 5432)),
  );
  // The producer reaches the queue through the proxy; the worker reaches it directly.
  proxiedQueues = createQueueFactory(throughProxy(ctx.queueBackend, proxy.port), pino({ level: 'silent' }));
  dispatcher = createOutboxDispatcher({
    db: ctx.database.db,
    queues: proxiedQueues,
    logger: pino({ level: 'silent' }),
    sweepMs: 200,
  });
  worker = ctx.queues.worker(
    queueName as never,
    async (job) => {
      const key = (job.data as { key: string }).key;
      await ctx.database.db.execute(
        sql`INSERT INTO outbox_test_runs (job_key, count) VALUES (${key}, 1)
          ON CONFLICT (job_key) DO UPDATE SET count = outbox_test_runs.count + 1`,
      );
    },
    { concurrency: 2 },
  );
  await worker.waitUntilReady();
});

afterAll(async () => {
  await dispatcher?.stop();
  await worker?.close();
  await proxiedQueues?.close();
  await proxy?.close();
});

async function countFor(key: string): Promise<number> {
  const rows = await ctx.database.db.select().from(runs).where(eq(runs.jobKey, key));
  return rows[0]?.count ?? 0;
}

/** Records a job of this test's queue for `key` under `jobId`, in a transaction of its own. */
function enqueued(key: string, jobId: string): Promise<string> {
  return ctx.database.db.transaction((tx) =>
    enqueueInTx(tx, queueName as never, { key } as never, { jobId }),
  );
}

/** A dispatcher of this test's queue alone, straight to the queue, deferring as `modules` declare. */
function deferringDispatcher(modules: Parameters<typeof deferredQueuesOf>[0]): OutboxDispatcher {
  return createOutboxDispatcher({
    db: ctx.database.db,
    queues: ctx.queues,
    logger: pino({ level: 'silent' }),
    sweepMs: 200,
    onlyQueues: [queueName],
    deferred: deferredQueuesOf(modules),
  });
}

describe('durable side effects', () => {
  it('runs a job recorded in a committed transaction', async () => {
    const key = newId();
    await ctx.database.db.transaction(async (tx) => {
      await enqueueInTx(tx, queueName as never, { key } as never);
    });
    await dispatcher.dispatchPending();
    await expect.poll(() => countFor(key), { timeout: 15_000 }).toBe(1);
  });

  it('records nothing when the transaction rolls back', async () => {
    const key = newId();
    await expect(
      ctx.database.db.transaction(async (tx) => {
        await enqueueInTx(tx, queueName as never, { key } as never);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const pending = await ctx.database.db.execute(
      sql`SELECT count(*)::int AS n FROM outbox_jobs WHERE payload->>'key' = ${key}`,
    );
    expect(pending.rows[0]?.n).toBe(0);
  });

  it('delivers exactly once after a queue outage, even when dispatched twice', async () => {
    const key = newId();
    await proxy.cut();
    const jobId = await enqueued(key, `outage-${key}`);
    // The queue is unreachable: the dispatch fails, the row stays pending with the error noted.
    expect(await dispatcher.dispatchPending()).toBe(0);
    const [row] = await ctx.database.db.select().from(outboxJobs).where(eq(outboxJobs.jobId, jobId));
    expect(row?.dispatchedAt).toBeNull();
    expect(row?.attempts).toBeGreaterThan(0);
    expect(row?.lastError).toBeTruthy();
    // Nothing reached the queue during the outage, so nothing can have run.
    await proxy.restore();
    expect(await ctx.queues.queue(queueName).getJob(jobId)).toBeUndefined();
    expect(await countFor(key)).toBe(0);

    // The queue is back: the periodic sweep delivers the job without anyone asking.
    dispatcher.start();
    await expect.poll(() => countFor(key), { timeout: 15_000 }).toBe(1);
    await dispatcher.stop();

    // A second dispatch of the same row (e.g. a crash before it was marked) is a no-op.
    await ctx.database.db.update(outboxJobs).set({ dispatchedAt: null }).where(eq(outboxJobs.jobId, jobId));
    expect(await dispatcher.dispatchPending()).toBeGreaterThanOrEqual(1);
    // The queue kept the finished job under its id: nothing new is waiting, so it cannot run twice.
    const queue = ctx.queues.queue(queueName);
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      prioritized: 0,
    });
    expect((await queue.getJob(jobId))?.finishedOn).toBeGreaterThan(0);
    expect(await countFor(key)).toBe(1);
  });

  it("leaves a deferred queue's young rows to their own service, then delivers them", async () => {
    const key = newId();
    // An hour's grace, declared as a module does (ModuleDefinition.deferOutboxDispatch) and
    // collected as the runtime does: nothing this test writes is old enough until it says so.
    const deferring = deferringDispatcher([{}, { deferOutboxDispatch: { [queueName]: 3_600_000 } }]);
    const jobId = await enqueued(key, `deferred-${key}`);
    expect(await deferring.dispatchPending()).toBe(0);
    const [young] = await ctx.database.db.select().from(outboxJobs).where(eq(outboxJobs.jobId, jobId));
    expect(young?.dispatchedAt).toBeNull();
    expect(young?.claimedUntil).toBeNull();
    expect(await ctx.queues.queue(queueName).getJob(jobId)).toBeUndefined();

    // Past its grace (its service did not do it): delivered like any other row, once.
    await ctx.database.db
      .update(outboxJobs)
      .set({ createdAt: sql`now() - interval '2 hours'` })
      .where(eq(outboxJobs.jobId, jobId));
    expect(await deferring.dispatchPending()).toBe(1);
    await expect.poll(() => countFor(key), { timeout: 15_000 }).toBe(1);
    await deferring.stop();
  });

  it("keeps a deferred queue's rows past their grace with its service while the service progresses", async () => {
    const key = newId();
    const deferring = deferringDispatcher([{ deferOutboxDispatch: { [queueName]: 3_600_000 } }]);
    let jobId = await enqueued(key, `progress-${key}`);
    const age = (hours: number) =>
      ctx.database.db
        .update(outboxJobs)
        .set({ createdAt: sql`now() - ${hours} * interval '1 hour'` })
        .where(eq(outboxJobs.jobId, jobId));
    // Two graces old, but the service reported progress just now: a backlog it is working
    // through, not a job it left behind.
    await age(2);
    await recordOutboxProgress(ctx.database.pool, queueName);
    expect(await deferring.dispatchPending()).toBe(0);
    expect(await ctx.queues.queue(queueName).getJob(jobId)).toBeUndefined();

    // The service's last progress is older than the grace: the row goes to the queue.
    await ctx.database.db.execute(
      sql`UPDATE outbox_progress SET progressed_at = now() - interval '90 minutes' WHERE queue = ${queueName}`,
    );
    expect(await deferring.dispatchPending()).toBe(1);
    await expect.poll(() => countFor(key), { timeout: 15_000 }).toBe(1);

    // Progressing or not, a row DEFER_CEILING graces old goes too (one the service cannot do).
    const other = newId();
    jobId = await enqueued(other, `ceiling-${other}`);
    await recordOutboxProgress(ctx.database.pool, queueName);
    await age(DEFER_CEILING - 0.5);
    expect(await deferring.dispatchPending()).toBe(0);
    await age(DEFER_CEILING + 0.5);
    expect(await deferring.dispatchPending()).toBe(1);
    await expect.poll(() => countFor(other), { timeout: 15_000 }).toBe(1);
    await deferring.stop();
  });

  it("claims due rows of every queue without visiting a deferred queue's young rows", async () => {
    const deferredQueue = 'platform.outbox-plan-deferred';
    const dueQueue = 'platform.outbox-plan-due';
    const statement = claimStatement({
      deferred: new Map([[deferredQueue, 3_600_000]]),
      onlyQueues: [deferredQueue, dueQueue],
      limit: 200,
    });
    const rollback = new Error('rollback');
    await expect(
      ctx.database.db.transaction(async (tx) => {
        // Uncommitted (rolled back below): no other dispatcher sees these rows.
        await tx.execute(sql`
          INSERT INTO outbox_jobs (id, queue, name, job_id, payload)
          SELECT gen_random_uuid(), ${deferredQueue}, ${deferredQueue}, 'plan-young-' || i, '{}'::jsonb
          FROM generate_series(1, 20000) i`);
        const due = await tx.execute(sql`
          INSERT INTO outbox_jobs (id, queue, name, job_id, payload, created_at)
          VALUES (gen_random_uuid(), ${dueQueue}, ${dueQueue}, 'plan-due-1', '{}', now() - interval '1 minute'),
                 (gen_random_uuid(), ${dueQueue}, ${dueQueue}, 'plan-due-2', '{}', now()),
                 (gen_random_uuid(), ${deferredQueue}, ${deferredQueue}, 'plan-old', '{}', now() - interval '2 hours')
          RETURNING id`);
        await tx.execute(sql`ANALYZE outbox_jobs`);

        // Due rows of both queues are claimed, the young deferred ones are not.
        const claimed = await tx.execute(statement);
        expect(claimed.rows.map((r) => r.id).sort()).toEqual(due.rows.map((r) => r.id).sort());

        // And they are not visited: a claim that walks the 20,000 young rows (or scans the table)
        // touches hundreds of pages or more; this one reads a few index and heap pages.
        const plan = await tx.execute(sql`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement}`);
        const top = (plan.rows[0] as { 'QUERY PLAN': { Plan: Record<string, number> }[] })['QUERY PLAN'][0]
          ?.Plan;
        const buffers = (top?.['Shared Hit Blocks'] ?? 0) + (top?.['Shared Read Blocks'] ?? 0);
        expect(buffers).toBeGreaterThan(0);
        expect(buffers).toBeLessThan(100);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
  });

  it('takes deferred queues from the module declarations, each queue from one module only', () => {
    expect([
      ...deferredQueuesOf([{ deferOutboxDispatch: { a: 1000 } }, {}, { deferOutboxDispatch: { b: 5 } }]),
    ]).toEqual([
      ['a', 1000],
      ['b', 5],
    ]);
    expect(() =>
      deferredQueuesOf([{ deferOutboxDispatch: { a: 1000 } }, { deferOutboxDispatch: { a: 5 } }]),
    ).toThrow(/deferred by two modules/);
  });

  it('refuses job ids the queue cannot store', async () => {
    await expect(
      ctx.database.db.transaction((tx) => enqueueInTx(tx, queueName as never, {} as never, { jobId: 'a:b' })),
    ).rejects.toThrow(/invalid job id/);
  });
});
