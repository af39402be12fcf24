/**
 * `npm run bench:vouchers` (or `npx tsx scripts/bench-vouchers.ts`): data transaction vouchers
 * end to end — a transaction recorded with requestVoucherInTx → outbox → BullMQ job → batch
 * issuer (sign + insert) → sequencer (leaf index, nodes, signed checkpoint) = inclusion proof
 * available — on embedded defaults (or DATABASE_URL / REDIS_URL when set), beside a raw baseline
 * measured in the same run: sign + insert in batches, no queue, no log.
 *
 * Options: BENCH_RATE (offered transactions/s, default 1200), BENCH_DURATION (seconds, default
 * 15), BENCH_BATCH (transactions per producer commit, default 50).
 * Targets (issue 7): ≥ 1,000 vouchers/s sustained, p99 time to inclusion ≤ 2 s.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MODULES } from '../src/modules/index.js';
import { voucherParts } from '../src/modules/vouchers/jobs.js';
import { buildPayload, requestVouchersInTx, voucherNumberFor } from '../src/modules/vouchers/request.js';
import { contractRequest } from '../src/modules/vouchers/test-helpers.js';
import { signVoucherSync, voucherLeafHash } from '../src/modules/vouchers/voucher-format.js';
import { loadConfig } from '../src/platform/config.js';
import { startRuntime } from '../src/platform/runtime.js';

const RATE = Number(process.env.BENCH_RATE ?? 1200);
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const PRODUCERS = 4;
const run = randomBytes(4).toString('hex');

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-vouchers-'));
await fs.chmod(dataDir, 0o755);
const config = loadConfig({
  ...process.env,
  PORT: '0',
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  SEED_DEMO: 'false',
});
const runtime = await startRuntime(config, { api: false, workers: true, modules: MODULES });
const { ctx } = runtime;
const { pool, db } = ctx.database;

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Offered load: BATCH transactions per commit, RATE per second, for DURATION seconds. */
async function endToEnd() {
  const total = RATE * DURATION;
  const t0 = Date.now();
  let sent = 0;
  // A few producers, like request handlers: each commits the transactions that are due.
  const producer = async () => {
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * RATE));
      if (sent >= due) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const n = Math.min(BATCH, due - sent);
      const base = sent;
      sent += n;
      await db.transaction((tx) =>
        requestVouchersInTx(
          tx,
          Array.from({ length: n }, (_, i) => contractRequest({ sourceId: `bench-${run}-${base + i}` })),
        ),
      );
      ctx.outbox.kick();
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
  const offeredSeconds = (Date.now() - t0) / 1000;
  const sentAt = Date.now();
  const like = `bench-${run}-%`;
  for (;;) {
    const r = await pool.query(
      `SELECT count(*)::int AS n FROM vouchers v JOIN voucher_transactions t ON t.id = v.transaction_id
       WHERE t.source_id LIKE $1 AND v.leaf_index IS NOT NULL`,
      [like],
    );
    if (r.rows[0].n >= total) break;
    if (Date.now() - sentAt > 120_000)
      throw new Error(`only ${r.rows[0].n} of ${total} in the log after 2 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const rows = await pool.query<{ created: Date; included: number }>(
    `SELECT t.created_at AS created,
            extract(epoch FROM (SELECT min(c.created_at) FROM voucher_checkpoints c WHERE c.size > v.leaf_index)
                               - t.created_at)::float8 AS included
     FROM vouchers v JOIN voucher_transactions t ON t.id = v.transaction_id WHERE t.source_id LIKE $1`,
    [like],
  );
  const lat = rows.rows.map((r) => r.included * 1000).sort((a, b) => a - b);
  const first = Math.min(...rows.rows.map((r) => r.created.getTime()));
  const last = Math.max(...rows.rows.map((r) => r.created.getTime() + r.included * 1000));
  return {
    total,
    offered: total / offeredSeconds,
    perSec: total / ((last - first) / 1000),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: lat.at(-1)!,
  };
}

/** Raw baseline: sign + insert the same vouchers in batches of 500, nothing else. */
async function baseline() {
  const { keyring } = voucherParts(ctx);
  const signer = await keyring.voucherSigner();
  await pool.query(
    'CREATE TEMP TABLE IF NOT EXISTS bench_raw (number text PRIMARY KEY, payload jsonb, jws text, leaf_hash bytea)',
  );
  const n = Math.min(20_000, RATE * DURATION);
  const t0 = performance.now();
  const client = await pool.connect();
  try {
    await client.query(
      'CREATE TEMP TABLE IF NOT EXISTS bench_raw (number text PRIMARY KEY, payload jsonb, jws text, leaf_hash bytea)',
    );
    for (let i = 0; i < n; i += 500) {
      const rows = [];
      for (let j = i; j < Math.min(n, i + 500); j++) {
        const issuedAt = new Date();
        issuedAt.setMilliseconds(0);
        const number = voucherNumberFor(issuedAt);
        const payload = buildPayload(contractRequest({ sourceId: `raw-${j}` }), number, issuedAt);
        const jws = signVoucherSync(payload, signer.privateKey, signer.kid);
        rows.push({ number, payload, jws, leafHash: Buffer.from(voucherLeafHash(jws)) });
      }
      await client.query(
        `INSERT INTO bench_raw SELECT * FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::bytea[])`,
        [
          rows.map((r) => r.number),
          rows.map((r) => JSON.stringify(r.payload)),
          rows.map((r) => r.jws),
          rows.map((r) => r.leafHash),
        ],
      );
    }
  } finally {
    client.release();
  }
  return { total: n, perSec: n / ((performance.now() - t0) / 1000) };
}

try {
  console.log(`vouchers bench: ${RATE}/s offered for ${DURATION}s, queue on ${ctx.queues.backend}`);
  const e2e = await endToEnd();
  const raw = await baseline();
  const ok = (b: boolean) => (b ? 'ok' : 'MISS');
  console.log(
    '\nscenario                                   vouchers/s  baseline  ratio   p50 ms   p99 ms   max ms',
  );
  console.log(
    `${'end to end (request → inclusion proof)'.padEnd(42)}${e2e.perSec.toFixed(0).padStart(10)}${raw.perSec
      .toFixed(0)
      .padStart(
        10,
      )}${(e2e.perSec / raw.perSec).toFixed(2).padStart(7)}${e2e.p50.toFixed(0).padStart(9)}${e2e.p99
      .toFixed(0)
      .padStart(9)}${e2e.max.toFixed(0).padStart(9)}`,
  );
  console.log(
    `\ntargets: ≥ 1000 vouchers/s sustained: ${ok(e2e.perSec >= 1000)} (offered ${e2e.offered.toFixed(0)}/s); p99 to inclusion ≤ 2000 ms: ${ok(e2e.p99 <= 2000)}`,
  );
} finally {
  await runtime.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
