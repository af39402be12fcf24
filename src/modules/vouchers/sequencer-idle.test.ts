import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { contractRequest, waitSequenced } from '../../test/fixtures/vouchers.js';
import { eventually as waitFor } from '../../test/wait.js';
import { createIssuer } from './issuer.js';
import { createKeyring, logOriginFor } from './keys.js';
import { requestVoucherInTx } from './request.js';
import { createSequencer, SEQUENCER_LOCK, type Sequencer } from './sequencer.js';

// Issue 18 item 21: an idle leading sequencer runs nothing; new vouchers wake it by NOTIFY (here
// from an issuer that does not kick it, as an issuer in another process could not).
let ctx: TestContext;
let sequencer: Sequencer | undefined;
let standby: Sequencer | undefined;

const fixture = useTestContext();
const standbyName = `techex-idle-standby-${process.pid}-${Date.now()}`;
beforeAll(async () => {
  ({ ctx } = fixture);
});
afterAll(async () => {
  await standby?.stop();
  await sequencer?.stop();
});

/** When the lock holder's session last ran a statement, and how many transactions it committed. */
async function holderActivity(): Promise<{ pid: number; stateChange: string }> {
  const r = await ctx.database.pool.query(
    `SELECT a.pid, a.state_change::text AS "stateChange" FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted`,
    [SEQUENCER_LOCK],
  );
  return r.rows[0];
}

/** The connection string with its sessions named `name` (a parameter of the string wins over pg's config). */
function withApplicationName(connectionString: string, name: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('application_name', name);
  return url.toString();
}

/** When the named session last started a statement, or undefined when there is no such session. */
async function lastStatementOf(name: string): Promise<string | undefined> {
  const r = await ctx.database.pool.query(
    'SELECT query_start::text AS "queryStart" FROM pg_stat_activity WHERE application_name = $1',
    [name],
  );
  return r.rows[0]?.queryStart ?? undefined;
}

/**
 * Waits until the standby session has started statements at `n` distinct moments after now (each
 * a round of its loop; sampled, so some may go unseen); returns the number of rounds seen.
 */
async function standbyRounds(n: number): Promise<number> {
  const first = await lastStatementOf(standbyName);
  const seen = new Set<string>();
  await waitFor(
    `${n} rounds of the standby`,
    async () => {
      const at = await lastStatementOf(standbyName);
      if (at && at !== first) seen.add(at);
      return seen.size >= n;
    },
    30_000,
  );
  return seen.size;
}

describe('the idle sequencer', () => {
  it('waits on a notification instead of polling, and new vouchers wake it', async () => {
    const keyring = createKeyring({
      db: ctx.database.db,
      appSecret: ctx.secrets.appSecret,
      origin: logOriginFor(ctx.config.publicUrl),
    });
    await keyring.ensure();
    const logger = pino({ level: 'silent' });
    // Production timing (no intervalMs): the safety-net wait is far longer than this test.
    sequencer = createSequencer({
      connectionString: ctx.database.pool.options.connectionString!,
      keyring,
      logger,
      standbyMs: 100,
    });
    sequencer.start();
    await waitFor(
      'the lock (other files’ sequencers stop at their end)',
      async () => sequencer!.leading,
      60_000,
    );
    // Let the first batch (whatever was waiting) finish.
    await waitFor('an idle log', async () => {
      const r = await ctx.database.pool.query(
        'SELECT count(*)::int AS n FROM vouchers WHERE leaf_index IS NULL',
      );
      return r.rows[0].n === 0;
    });
    // The clock of the idle window is a standby sequencer with the same timing: every `standbyMs`
    // it tries the lock, one statement on its own session. A leader that polled (at any period
    // up to the standby's) would run statements while the standby completes its rounds.
    standby = createSequencer({
      connectionString: withApplicationName(ctx.database.pool.options.connectionString!, standbyName),
      keyring,
      logger,
      standbyMs: 100,
    });
    standby.start();
    // Settled: the leader ran nothing during a few of the standby's rounds (a batch may still
    // follow the first one, for vouchers announced while it ran).
    await waitFor(
      'the leader to settle',
      async () => {
        const before = await holderActivity();
        await standbyRounds(3);
        const after = await holderActivity();
        return after.pid === before.pid && after.stateChange === before.stateChange;
      },
      30_000,
    );
    const before = await holderActivity();
    const rounds = await standbyRounds(20);
    const after = await holderActivity();
    expect(rounds).toBeGreaterThanOrEqual(20);
    expect(after.pid).toBe(before.pid);
    // No statement at all on the sequencer's session while the standby took twenty rounds (2 s or more).
    expect(after.stateChange).toBe(before.stateChange);
    expect(sequencer.leading).toBe(true);
    expect(standby.leading).toBe(false);
    await standby.stop();

    const issuer = createIssuer({ pool: ctx.database.pool, keyring, logger, onIssued: () => undefined });
    const ids = await ctx.database.db.transaction(async (tx) => [
      (await requestVoucherInTx(tx, contractRequest())).transactionId,
      (await requestVoucherInTx(tx, contractRequest())).transactionId,
    ]);
    await issuer.sweep();
    // Sequenced long before the 60 s safety net: the insert's NOTIFY woke the sequencer.
    expect(await waitSequenced(ctx.database.pool, ids, 10_000)).toHaveLength(2);
    await issuer.stop();
  });
});
