import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { contractRequest, waitSequenced } from '../../test/fixtures/vouchers.js';
import { eventually } from '../../test/wait.js';
import { createIssuer } from './issuer.js';
import { createKeyring, logOriginFor } from './keys.js';
import { consistencyRanges, rangeHashes } from './log-tree.js';
import { rootFromLeafHashes, verifyConsistency } from './merkle.js';
import { openCheckpoint, parseVerifierKey } from './note.js';
import { requestVoucherInTx } from './request.js';
import { createSequencer, SEQUENCER_LOCK, type Sequencer } from './sequencer.js';
import { checkpointsBetween, readNodes } from './store.js';

// Two replicas in one test process: each with its own keyring cache, issuer and sequencer on
// separate database sessions, all working on the one log in the test database.
let ctx: TestContext;
const logger = pino({ level: 'silent' });
const sequencers: Sequencer[] = [];

function replica() {
  const keyring = createKeyring({
    db: ctx.database.db,
    appSecret: ctx.secrets.appSecret,
    origin: logOriginFor(ctx.config.publicUrl),
  });
  const sequencer = createSequencer({
    connectionString: ctx.database.pool.options.connectionString!,
    keyring,
    logger,
    intervalMs: 20,
    standbyMs: 100,
    batchSize: 37, // small batches: many checkpoints
  });
  sequencers.push(sequencer);
  const issuer = createIssuer({ pool: ctx.database.pool, keyring, logger, onIssued: () => sequencer.kick() });
  return { keyring, sequencer, issuer };
}

const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
});

afterAll(async () => {
  for (const s of sequencers) await s.stop();
});

async function lockHolderPids(): Promise<number[]> {
  const r = await ctx.database.pool.query(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
    [SEQUENCER_LOCK],
  );
  return r.rows.map((row: { pid: number }) => row.pid);
}

/** Kills the session holding the sequencer lock; returns the killed backend pids. */
async function terminateLockHolder(): Promise<number[]> {
  const pids = await lockHolderPids();
  for (const pid of pids) await ctx.database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  return pids;
}

async function request(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const chunk = await ctx.database.db.transaction(async (tx) => {
      const out: string[] = [];
      for (let j = i; j < Math.min(n, i + 25); j++)
        out.push((await requestVoucherInTx(tx, contractRequest())).transactionId);
      return out;
    });
    ids.push(...chunk);
  }
  return ids;
}

describe('the sequencer', () => {
  it('two sequencers running at once produce one consistent, gap-free log', async () => {
    const a = replica();
    const b = replica();
    await a.keyring.ensure();
    const startSize = Number(
      (await ctx.database.pool.query('SELECT coalesce(max(size), 0) AS s FROM voucher_checkpoints')).rows[0]
        .s,
    );
    a.sequencer.start();
    b.sequencer.start();
    // Both replicas issue while both sequencers race for the lock, batch after batch.
    const issuing = (async () => {
      const ids: string[] = [];
      for (let round = 0; round < 6; round++) {
        ids.push(...(await request(50)));
        await Promise.all([
          a.issuer.sweep(),
          b.issuer.sweep(),
          ...ids.slice(-10).map((id) => b.issuer.request(id)),
        ]);
      }
      return ids;
    })();
    const ids = await issuing;
    await waitSequenced(ctx.database.pool, ids);
    expect([a.sequencer.leading, b.sequencer.leading].filter(Boolean).length).toBeLessThanOrEqual(1);

    // No gap, no duplicate: leaf indices are exactly 0..n-1 across the whole log.
    const leaves = await ctx.database.pool.query<{ leaf_index: number; leaf_hash: Buffer }>(
      'SELECT leaf_index, leaf_hash FROM vouchers WHERE leaf_index IS NOT NULL ORDER BY leaf_index',
    );
    const latest = await eventually('a checkpoint covering every leaf', async () => {
      const r = await ctx.database.pool.query('SELECT max(size) AS s FROM voucher_checkpoints');
      return Number(r.rows[0].s) >= leaves.rows.length ? Number(r.rows[0].s) : undefined;
    });
    const all = await ctx.database.pool.query<{ leaf_index: number; leaf_hash: Buffer }>(
      'SELECT leaf_index, leaf_hash FROM vouchers WHERE leaf_index < $1 ORDER BY leaf_index',
      [latest],
    );
    expect(all.rows.map((r) => r.leaf_index)).toEqual(Array.from({ length: latest }, (_, i) => i));

    // Every checkpoint taken during the run verifies and is consistent with every other one.
    const keys = await a.keyring.published(true);
    const verifiers = keys.checkpointVerifierKeys.map(parseVerifierKey);
    const cps = await checkpointsBetween(ctx.database.pool, Math.max(1, startSize), latest);
    expect(cps.length).toBeGreaterThan(3);
    for (const cp of cps) {
      const opened = openCheckpoint(cp.note, verifiers, keys.origin);
      expect(opened.ok && opened.checkpoint.size === cp.size).toBe(true);
    }
    const read = (ids: readonly { level: number; index: number }[]) => readNodes(ctx.database.pool, ids);
    for (let i = 0; i < cps.length; i++) {
      for (let j = i + 1; j < cps.length; j++) {
        const [x, y] = [cps[i]!, cps[j]!];
        const proof = await rangeHashes(consistencyRanges(x.size, y.size), read);
        expect(
          verifyConsistency(x.size, y.size, proof, x.root_hash, y.root_hash),
          `${x.size} -> ${y.size}`,
        ).toBe(true);
      }
    }
    // And the latest root is the RFC 9162 root of all the leaves, recomputed from scratch.
    const top = cps[cps.length - 1]!;
    expect(Buffer.from(rootFromLeafHashes(all.rows.map((r) => new Uint8Array(r.leaf_hash))))).toEqual(
      top.root_hash,
    );
  }, 120_000);

  it('hands the log over when the lock holder dies', async () => {
    const a = replica();
    const b = replica();
    a.sequencer.start();
    b.sequencer.start();
    // Another test file's sequencer may hold the lock: cut it off until one of ours leads.
    await eventually('one of our sequencers leading', async () => {
      if (a.sequencer.leading || b.sequencer.leading) return true;
      await terminateLockHolder();
      await new Promise((r) => setTimeout(r, 150));
      return false;
    });
    const holder = a.sequencer.leading ? a : b;
    // Kill the holder's database session, as a crash or a network cut would.
    const killed = await terminateLockHolder();
    // The holder may notice and win the lock back on a new session before a poll sees it
    // idle, so wait for the dead session to be gone and never two of ours leading at once.
    await eventually('the dead session no longer holds the lock', async () => {
      const pids = await lockHolderPids();
      return pids.every((pid) => !killed.includes(pid)) && !(a.sequencer.leading && b.sequencer.leading);
    });
    const ids = await request(5);
    await holder.issuer.sweep();
    // Someone (the other replica, or the old holder on a new session) sequences them.
    await waitSequenced(ctx.database.pool, ids, 15_000);
    await eventually('a sequencer leading again', async () => {
      const r = await ctx.database.pool.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
        [SEQUENCER_LOCK],
      );
      return r.rows[0].n === 1;
    });
  }, 60_000);
});
