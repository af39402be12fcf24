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

const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
});
afterAll(async () => {
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
    await new Promise((r) => setTimeout(r, 300));
    const before = await holderActivity();
    await new Promise((r) => setTimeout(r, 1500));
    const after = await holderActivity();
    expect(after.pid).toBe(before.pid);
    // No statement at all on the sequencer's session while there was nothing to do.
    expect(after.stateChange).toBe(before.stateChange);

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
