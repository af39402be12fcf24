/**
 * SQL of the vouchers module. The hot paths (batch issuing, sequencing, proof reads) take any
 * pg `Queryable` — the pool, a pooled client inside BEGIN/COMMIT, or the sequencer's dedicated
 * session — and pass arrays as single parameters (`unnest`), so a batch of a thousand rows is
 * one statement.
 */

import { nodeKey } from './log-tree.js';
import type { NodeId } from './merkle.js';

export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface TransactionRow {
  id: string;
  source_type: string;
  source_id: string;
  request: unknown;
  created_at: Date;
  revocation_reason: string | null;
  revocation_requested_at: Date | null;
}

export interface VoucherRow {
  transaction_id: string;
  number: string;
  jws: string;
  kid: string;
  leaf_hash: Buffer;
  leaf_index: number | null;
  status: 'active' | 'revoked';
  revoked_at: Date | null;
  revocation_reason: string | null;
  issued_at: Date;
  sequenced_at: Date | null;
  created_at: Date;
}

export interface CheckpointRow {
  size: number;
  root_hash: Buffer;
  note: string;
  created_at: Date;
}

/**
 * Pending transactions, locked for this issuing transaction. Named ids wait for a concurrent
 * issuer to finish (and then see the row issued); a sweep skips rows someone else holds.
 */
export async function lockPendingTransactions(
  q: Queryable,
  pick: { ids: string[] } | { limit: number },
): Promise<TransactionRow[]> {
  const cols = 'id, source_type, source_id, request, created_at, revocation_reason, revocation_requested_at';
  const res =
    'ids' in pick
      ? await q.query<TransactionRow>(
          `SELECT ${cols} FROM voucher_transactions WHERE id = ANY($1::uuid[]) AND state = 'pending'
           ORDER BY id FOR UPDATE`,
          [pick.ids],
        )
      : await oldestPending(q, cols, pick.limit);
  return res.rows;
}

/**
 * The oldest pending transactions, in the order of the pending index (created_at), read only as
 * far as the batch needs. Left to itself the planner, whose row estimate for the backlog lags
 * (451 estimated, 13,618 pending), read the whole backlog with a bitmap scan and sorted every
 * pending row with its request (12 MB, an external merge on disk, 0.6 s of a 4,000-row batch): a
 * batch's cost grew with the backlog it was meant to shrink. Sorting is priced out for this one
 * statement (a local setting inside the caller's transaction, restored after it; a failure
 * rolls the transaction back, setting included), so the ordered index scan wins at any backlog.
 */
async function oldestPending(q: Queryable, cols: string, limit: number) {
  const before = await q.query<{ prev: string }>(
    "SELECT current_setting('enable_sort') AS prev, set_config('enable_sort', 'off', true)",
  );
  const res = await q.query<TransactionRow>(
    `SELECT ${cols} FROM voucher_transactions WHERE state = 'pending'
     ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  await q.query("SELECT set_config('enable_sort', $1, true)", [before.rows[0]!.prev]);
  return res;
}

export interface NewVoucher {
  transactionId: string;
  number: string;
  jws: string;
  kid: string;
  leafHash: Buffer;
  issuedAt: Date;
  revocationReason: string | null;
}

/**
 * Inserts the vouchers, marks their transactions issued and their issuing jobs' outbox rows
 * dispatched (the job's work is done; the row has the transaction's id, request.ts), in ONE
 * statement: a row that hits any unique constraint (a voucher for the transaction already
 * exists, or a number collision) is skipped and changes nothing else. Returns the transaction ids
 * that got one. Wakes the sequencer at commit.
 */
export async function insertVouchers(q: Queryable, rows: NewVoucher[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const res = await q.query<{ transaction_id: string }>(
    `WITH inserted AS (
     INSERT INTO vouchers (transaction_id, number, jws, kid, leaf_hash, issued_at,
                           status, revoked_at, revocation_reason)
     SELECT transaction_id, number, jws, kid, leaf_hash, issued_at,
            CASE WHEN reason IS NULL THEN 'active' ELSE 'revoked' END,
            CASE WHEN reason IS NULL THEN NULL ELSE issued_at END, reason
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::timestamptz[], $7::text[])
          AS t(transaction_id, number, jws, kid, leaf_hash, issued_at, reason)
     ON CONFLICT DO NOTHING
     RETURNING transaction_id),
     -- Joined to the inserted rows by primary key only. Not \`id = ANY($1) AND id IN (…)\`: with
     -- the CTE's distinct count estimated at 200, the planner probed the key once per row and
     -- checked each against the whole array (a filter, not hashed for a parameter): 4,000 × 4,000
     -- comparisons, 14 of a 15 s statement. Nor a dispatched_at IS NULL condition, which let the
     -- planner walk the pending-outbox index, i.e. the whole issuing backlog, for every batch.
     marked AS (
       UPDATE voucher_transactions t SET state = 'issued', issued_at = now()
       FROM inserted i WHERE t.id = i.transaction_id),
     delivered AS (
       UPDATE outbox_jobs o SET dispatched_at = coalesce(o.dispatched_at, now()), claimed_until = NULL
       FROM inserted i WHERE o.id = i.transaction_id AND o.queue = 'vouchers.issue')
     -- Wakes the sequencer at commit (sequencer.ts UNSEQUENCED_CHANNEL), once per statement.
     SELECT transaction_id FROM inserted
       CROSS JOIN (SELECT pg_notify('techex_voucher_unsequenced', '') FROM (SELECT 1 FROM inserted LIMIT 1) one) n`,
    [
      rows.map((r) => r.transactionId),
      rows.map((r) => r.number),
      rows.map((r) => r.jws),
      rows.map((r) => r.kid),
      rows.map((r) => r.leafHash),
      rows.map((r) => r.issuedAt),
      rows.map((r) => r.revocationReason),
    ],
  );
  return res.rows.map((r) => r.transaction_id);
}

const VOUCHER_COLS = `transaction_id, number, jws, kid, leaf_hash, leaf_index, status, revoked_at,
  revocation_reason, issued_at, sequenced_at, created_at`;

export async function voucherByNumber(q: Queryable, number: string): Promise<VoucherRow | undefined> {
  const res = await q.query<VoucherRow>(`SELECT ${VOUCHER_COLS} FROM vouchers WHERE number = $1`, [number]);
  return res.rows[0];
}

export async function voucherByLeafHash(q: Queryable, leafHash: Uint8Array): Promise<VoucherRow | undefined> {
  const res = await q.query<VoucherRow>(`SELECT ${VOUCHER_COLS} FROM vouchers WHERE leaf_hash = $1`, [
    Buffer.from(leafHash),
  ]);
  return res.rows[0];
}

export async function voucherBySource(
  q: Queryable,
  sourceType: string,
  sourceId: string,
): Promise<VoucherRow | undefined> {
  const res = await q.query<VoucherRow>(
    `SELECT ${VOUCHER_COLS.replace(/(\w+)/g, 'v.$1')} FROM vouchers v
     JOIN voucher_transactions t ON t.id = v.transaction_id
     WHERE t.source_type = $1 AND t.source_id = $2`,
    [sourceType, sourceId],
  );
  return res.rows[0];
}

export async function latestCheckpoint(q: Queryable): Promise<CheckpointRow | undefined> {
  const res = await q.query<CheckpointRow>(
    'SELECT size, root_hash, note, created_at FROM voucher_checkpoints ORDER BY size DESC LIMIT 1',
  );
  return res.rows[0];
}

export async function checkpointOfSize(q: Queryable, size: number): Promise<CheckpointRow | undefined> {
  const res = await q.query<CheckpointRow>(
    'SELECT size, root_hash, note, created_at FROM voucher_checkpoints WHERE size = $1',
    [size],
  );
  return res.rows[0];
}

/** Checkpoints with size in [from, to], ascending (monitoring and tests). */
export async function checkpointsBetween(q: Queryable, from: number, to: number): Promise<CheckpointRow[]> {
  const res = await q.query<CheckpointRow>(
    'SELECT size, root_hash, note, created_at FROM voucher_checkpoints WHERE size BETWEEN $1 AND $2 ORDER BY size',
    [from, to],
  );
  return res.rows;
}

export async function readNodes(q: Queryable, nodes: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  if (nodes.length === 0) return out;
  const res = await q.query<{ level: number; idx: number; hash: Buffer }>(
    `SELECT n.level, n.idx, n.hash FROM voucher_log_nodes n
     JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx`,
    [nodes.map((n) => n.level), nodes.map((n) => n.index)],
  );
  for (const r of res.rows) out.set(nodeKey({ level: r.level, index: r.idx }), new Uint8Array(r.hash));
  return out;
}

export async function insertNodes(q: Queryable, nodes: { node: NodeId; hash: Uint8Array }[]): Promise<void> {
  if (nodes.length === 0) return;
  await q.query(
    `INSERT INTO voucher_log_nodes (level, idx, hash)
     SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`,
    [nodes.map((n) => n.node.level), nodes.map((n) => n.node.index), nodes.map((n) => Buffer.from(n.hash))],
  );
}

/** Vouchers not yet in the log, oldest first: the sequencer's next batch. */
export async function unsequencedVouchers(
  q: Queryable,
  limit: number,
): Promise<{ transaction_id: string; leaf_hash: Buffer }[]> {
  const res = await q.query<{ transaction_id: string; leaf_hash: Buffer }>(
    `SELECT transaction_id, leaf_hash FROM vouchers WHERE leaf_index IS NULL
     ORDER BY created_at, transaction_id LIMIT $1`,
    [limit],
  );
  return res.rows;
}

/** Leaf indices firstIndex, firstIndex + 1, … for the vouchers of these transactions, in order. */
export async function assignLeaves(q: Queryable, ids: string[], firstIndex: number): Promise<void> {
  const res = await q.query(
    `UPDATE vouchers v SET leaf_index = t.idx, sequenced_at = now()
     FROM unnest($1::uuid[], $2::bigint[]) AS t(id, idx)
     WHERE v.transaction_id = t.id AND v.leaf_index IS NULL`,
    [ids, ids.map((_, i) => firstIndex + i)],
  );
  if (res.rowCount !== ids.length) throw new Error('a voucher of the batch was sequenced by someone else');
}

export async function insertCheckpoint(
  q: Queryable,
  size: number,
  root: Uint8Array,
  note: string,
): Promise<void> {
  await q.query('INSERT INTO voucher_checkpoints (size, root_hash, note) VALUES ($1, $2, $3)', [
    size,
    Buffer.from(root),
    note,
  ]);
}

/** Leaf indices of revoked vouchers below `size`: the set bits of the status list. */
export async function revokedLeafIndices(q: Queryable, size: number): Promise<number[]> {
  const res = await q.query<{ leaf_index: number }>(
    `SELECT leaf_index FROM vouchers WHERE status = 'revoked' AND leaf_index < $1`,
    [size],
  );
  return res.rows.map((r) => r.leaf_index);
}
