/**
 * The sequencer: the only writer of the transparency log. It takes vouchers without a leaf index
 * in batches, gives them the next indices (gap-free), stores the subtree nodes they complete and
 * signs a C2SP checkpoint for the new size.
 *
 * One at a time, across every replica: a sequencer must hold the PostgreSQL session advisory lock
 * SEQUENCER_LOCK on a dedicated connection, and it runs each batch *on that same connection*. If
 * the process dies or the connection drops, PostgreSQL ends the session, which releases the lock
 * and aborts any open batch together; a standby's pg_try_advisory_lock then succeeds (it retries
 * every `standbyMs`). Nothing can commit a batch without holding the lock at commit time.
 *
 * Never two inconsistent checkpoints: a batch starts from the latest stored checkpoint and the
 * frontier nodes of its size (checked to give that checkpoint's root), appends, and before signing
 * verifies a consistency proof from the previous checkpoint to the new tree, computed from the
 * stored nodes inside the same transaction. The checkpoint's size is its primary key and node rows
 * are unique, so even a second writer that somehow slipped past the lock could only fail.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Keyring } from './keys.js';
import { consistencyRanges, rangeHashes } from './log-tree.js';
import { CompactRange, emptyRoot, type NodeId, verifyConsistency } from './merkle.js';
import { signCheckpoint } from './note.js';
import {
  assignLeaves,
  insertCheckpoint,
  insertNodes,
  latestCheckpoint,
  readNodes,
  unsequencedVouchers,
} from './store.js';

/** Arbitrary, fixed: the advisory lock key of the voucher log (migrations use 7_412_001). */
export const SEQUENCER_LOCK = 7_412_007;
/**
 * NOTIFY channel of new unsequenced vouchers (store.ts insertVouchers notifies in the inserting
 * transaction): the leading sequencer LISTENs on its session and sleeps until told, instead of
 * polling an idle log.
 */
export const UNSEQUENCED_CHANNEL = 'techex_voucher_unsequenced';

export interface SequencerOptions {
  connectionString: string;
  keyring: Keyring;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /**
   * Longest wait between batches while leading: a notification of new vouchers or a kick starts
   * one at once, so this is only a safety net (default 60 s).
   */
  intervalMs?: number;
  /** How often a standby tries to take the lock. */
  standbyMs?: number;
  batchSize?: number;
  /** Called after each committed checkpoint. */
  onCheckpoint?: (size: number) => void;
}

export interface Sequencer {
  /** Whether this instance holds the log lock right now. */
  readonly leading: boolean;
  /** Ask for a batch soon (e.g. after vouchers were issued). */
  kick(): void;
  /** Take the lock if free and integrate one batch; returns the number of leaves added (0 when not leading). */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createSequencer(opts: SequencerOptions): Sequencer {
  const { keyring, logger } = opts;
  const intervalMs = opts.intervalMs ?? 60_000;
  const standbyMs = opts.standbyMs ?? 1000;
  const batchSize = opts.batchSize ?? 5000;

  let client: pg.Client | undefined;
  let leading = false;
  let stopped = true;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let running: Promise<number> | undefined;
  /** Vouchers were announced since the last batch started (a notification during a batch). */
  let announced = false;

  async function session(): Promise<pg.Client> {
    if (client) return client;
    const c = new pg.Client({
      connectionString: opts.connectionString,
      application_name: 'techex-voucher-sequencer',
      keepAlive: true,
      connectionTimeoutMillis: 5000,
    });
    c.on('error', (err) => {
      logger.warn({ err }, 'voucher sequencer lost its database session');
      drop(c);
    });
    c.on('end', () => drop(c));
    c.on('notification', () => {
      announced = true;
      wake?.();
    });
    await c.connect();
    client = c;
    return c;
  }

  function drop(c: pg.Client): void {
    if (client !== c) return;
    if (leading) logger.warn('voucher sequencer no longer holds the log lock');
    client = undefined;
    leading = false;
    c.end().catch(() => undefined);
  }

  async function tryLead(c: pg.Client): Promise<boolean> {
    if (leading) return true;
    const res = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SEQUENCER_LOCK]);
    leading = res.rows[0]?.ok === true;
    if (leading) {
      // Listening from before the first batch: a voucher committed after it is announced.
      await c.query(`LISTEN ${UNSEQUENCED_CHANNEL}`);
      logger.info('voucher sequencer holds the log lock');
    }
    return leading;
  }

  async function batch(c: pg.Client): Promise<number> {
    await c.query('BEGIN');
    try {
      const added = await integrate(c);
      await c.query('COMMIT');
      if (added.size !== undefined) opts.onCheckpoint?.(added.size);
      return added.count;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async function integrate(c: pg.Client): Promise<{ count: number; size?: number }> {
    const signer = await keyring.checkpointSigner();
    const origin = signer.name;
    const prev = await latestCheckpoint(c);
    if (!prev) {
      // The empty log gets its checkpoint too, so there is always one to serve.
      await insertCheckpoint(
        c,
        0,
        emptyRoot(),
        signCheckpoint({ origin, size: 0, rootHash: emptyRoot() }, [signer]),
      );
      return { count: 0, size: 0 };
    }
    const leaves = await unsequencedVouchers(c, batchSize);
    if (leaves.length === 0) return { count: 0 };

    const frontierIds = CompactRange.nodes(prev.size);
    const stored = await readNodes(c, frontierIds);
    const frontier = frontierIds.map((n) => stored.get(`${n.level}/${n.index}`));
    if (frontier.some((h) => !h)) throw new Error(`log nodes of size ${prev.size} are missing`);
    const range = new CompactRange(prev.size, frontier as Uint8Array[]);
    const prevRoot = new Uint8Array(prev.root_hash);
    if (Buffer.compare(Buffer.from(range.root()), prev.root_hash) !== 0) {
      throw new Error(`stored nodes do not give the root of checkpoint ${prev.size}: refusing to sequence`);
    }
    const nodes: { node: NodeId; hash: Uint8Array }[] = [];
    for (const leaf of leaves)
      range.append(new Uint8Array(leaf.leaf_hash), (node, hash) => nodes.push({ node, hash }));
    await insertNodes(c, nodes);
    await assignLeaves(
      c,
      leaves.map((l) => l.transaction_id),
      prev.size,
    );
    const size = range.size;
    const root = range.root();
    if (prev.size > 0) {
      const proof = await rangeHashes(consistencyRanges(prev.size, size), (ids) => readNodes(c, ids));
      if (!verifyConsistency(prev.size, size, proof, prevRoot, root)) {
        throw new Error(`tree of ${size} is not consistent with checkpoint ${prev.size}: refusing to sign`);
      }
    }
    await insertCheckpoint(c, size, root, signCheckpoint({ origin, size, rootHash: root }, [signer]));
    return { count: leaves.length, size };
  }

  const sequencer: Sequencer = {
    get leading() {
      return leading;
    },
    kick() {
      wake?.();
    },
    runOnce() {
      // One batch at a time per instance: a kick during a batch waits for the next round.
      running ??= (async () => {
        let c: pg.Client | undefined;
        try {
          c = await session();
          if (!(await tryLead(c))) return 0;
          return await batch(c);
        } catch (err) {
          // Start over on a fresh session after any failure: a half-broken connection must not
          // keep the lock, and a fresh session re-reads everything from the database anyway.
          if (c) drop(c);
          throw err;
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          let added = 0;
          announced = false;
          try {
            added = await sequencer.runOnce();
          } catch (err) {
            logger.warn({ err }, 'voucher sequencing batch failed; will retry');
          }
          if (stopped) break;
          // A full batch means more is waiting, and an announcement during the batch may be of
          // vouchers it did not see: go again at once.
          if (added >= batchSize || (announced && leading)) continue;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, leading ? intervalMs : standbyMs);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      })();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await running?.catch(() => undefined);
      const c = client;
      client = undefined;
      leading = false;
      // Closing the session releases the advisory lock.
      await c?.end().catch(() => undefined);
    },
  };
  return sequencer;
}
