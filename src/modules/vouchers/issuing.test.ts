import { drizzle } from 'drizzle-orm/node-postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db.js';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { useVoucherIssuing } from '../../test/fixtures/voucher-issuing.js';
import { contractRequest, waitSequenced } from '../../test/fixtures/vouchers.js';
import { voucherParts } from './jobs.js';
import { ISSUE_QUEUE, insertValidatedVoucherRequests, requestVoucherInTx } from './request.js';
import { lockPendingTransactions } from './store.js';

// Issue 14: the queue hop (outbox → BullMQ → job → issuer) cost as much as signing. The runtime's
// dispatcher leaves vouchers.issue rows to the issuer's own sweep for a grace period, and the
// issuing statement marks each job's outbox row done, so on the usual path no job is queued.
let ctx: TestContext;

const fixture = useTestContext();
// As the runtime builds it (runtime.ts): with the modules' deferred queues. No queue worker.
const issuing = useVoucherIssuing(fixture, { deferred: true });
beforeAll(() => {
  ({ ctx } = fixture);
});

describe('issuing without the queue hop', () => {
  it('issues by its own sweep and marks the issuing jobs done, so none reaches the queue', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { transactionId } = await ctx.database.db.transaction((tx) =>
        requestVoucherInTx(tx, contractRequest()),
      );
      ids.push(transactionId);
      issuing.outbox.kick();
    }
    voucherParts(ctx).issuer.kick();
    const numbers = await waitSequenced(ctx.database.pool, ids);
    expect(new Set(numbers).size).toBe(5);

    const jobIds = ids.map((id) => `voucher-issue-${id}`);
    const rows = await ctx.database.pool.query<{ id: string; dispatched: boolean }>(
      `SELECT id, dispatched_at IS NOT NULL AS dispatched FROM outbox_jobs WHERE job_id = ANY($1::text[])`,
      [jobIds],
    );
    // Each transaction still has its one outbox row (the fallback), done by the issuing statement.
    expect(rows.rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(rows.rows.every((r) => r.dispatched)).toBe(true);
    // A later sweep of the dispatcher has nothing to deliver for them.
    await issuing.outbox.dispatchPending();
    for (const jobId of jobIds) expect(await ctx.queues.queue(ISSUE_QUEUE).getJob(jobId)).toBeUndefined();

    const states = await ctx.database.pool.query<{ state: string }>(
      'SELECT state FROM voucher_transactions WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(states.rows.map((r) => r.state)).toEqual(Array(5).fill('issued'));

    // And it told the outbox it progressed: while that is recent, even issuing jobs older than
    // the grace (a backlog the sweep is working through) stay with it (outbox.ts claimStatement).
    await expect
      .poll(async () => {
        const p = await ctx.database.pool.query<{ recent: boolean }>(
          `SELECT progressed_at > now() - interval '1 minute' AS recent FROM outbox_progress WHERE queue = $1`,
          [ISSUE_QUEUE],
        );
        return p.rows[0]?.recent;
      })
      .toBe(true);
  });
});

describe("the sweep's locking read", () => {
  // Round 4 (issue 14): with the planner's estimate of the pending rows lagging behind the
  // backlog, the sweep read every pending row and sorted them with their requests (on disk, at
  // 13,618 pending) for each batch. It must take the oldest through the pending index, in order.
  it('reads the oldest pending transactions through the pending index, without sorting the backlog', async () => {
    const client = await ctx.database.pool.connect();
    const plans: string[] = [];
    const onNotice = (n: { message?: string }) => {
      if (n.message?.includes('FOR UPDATE SKIP LOCKED')) plans.push(n.message);
    };
    client.on('notice', onNotice);
    try {
      await client.query('BEGIN');
      // A backlog the statistics have not seen: recorded in this transaction, so no issuer takes it.
      for (let i = 0; i < 4; i++)
        await insertValidatedVoucherRequests(
          drizzle(client) as unknown as Db,
          Array.from({ length: 250 }, () => contractRequest()),
        );
      await client.query(`LOAD 'auto_explain'`);
      await client.query(`SET LOCAL auto_explain.log_min_duration = 0`);
      await client.query(`SET LOCAL auto_explain.log_level = 'notice'`);
      const rows = await lockPendingTransactions(client, { limit: 100 });
      expect(rows).toHaveLength(100);
      const created = rows.map((r) => r.created_at.getTime());
      expect(created).toEqual([...created].sort((a, b) => a - b));
      expect(plans).toHaveLength(1);
      expect(plans[0]).toMatch(/Index Scan using voucher_transactions_pending_idx/);
      expect(plans[0]).not.toMatch(/Sort/);
      // The setting is the session's own again for the rest of the transaction.
      expect((await client.query<{ enable_sort: string }>('SHOW enable_sort')).rows[0]!.enable_sort).toBe(
        'on',
      );
    } finally {
      await client.query('ROLLBACK');
      client.off('notice', onNotice);
      client.release();
    }
  });
});
