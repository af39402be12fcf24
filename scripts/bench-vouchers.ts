/**
 * `npm run bench:vouchers` (or `npx tsx scripts/bench-vouchers.ts`): data transaction vouchers
 * end to end — transactions recorded as a busy API replica records partner submissions (batches
 * of insertValidatedVoucherRequests: request + outbox row) → the issuer's sweep (sign + insert;
 * the outbox → BullMQ job path is its fallback) → sequencer (leaf index, nodes, signed checkpoint) = inclusion proof
 * available — on embedded defaults (or DATABASE_URL / REDIS_URL when set), beside a raw baseline
 * measured in the same run: sign + insert in batches, no queue, no log.
 *
 * A second scenario drives `POST /v1/vouchers/transactions` over real HTTP (bearer token of a
 * partner client, body validation, party checks, 202; submissions arriving together are recorded in
 * one batch, src/platform/batcher.ts) beside a bare Fastify route that inserts the
 * same JSON body into a table, in the same run.
 *
 * Options: BENCH_RATE (offered transactions/s, default 3000), BENCH_DURATION (seconds, default
 * 15), BENCH_BATCH (transactions per producer batch, default the HTTP batcher's maxBatch), BENCH_CONNECTIONS (HTTP
 * connections, default 32), BENCH_ONLY ('e2e' or 'http'), BENCH_PROFILE (a CPU profile of the
 * measured end-to-end run, or of the measured HTTP run, written to that file), BENCH_WORKERS=1 (the HTTP scenario with this
 * process's queue workers and voucher issuer running, as `npm start` runs; by default the service
 * is restarted on the same database as an API replica, `techex api`, and issuing is the end-to-end
 * scenario's work).
 * Targets (issue 14): ≥ 3,000 vouchers/s sustained with p99 time to inclusion ≤ 1 s; HTTP
 * submissions ≥ 1,500/s. The machine is shared: the load average is printed beside the figures.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { eq } from 'drizzle-orm';
import Fastify from 'fastify';
import { createIdentityCore } from '../src/modules/identity/index.js';
import { insertOrganisation, insertSubCentre, type SubCentre } from '../src/modules/identity/repository.js';
import { organisations } from '../src/modules/identity/schema.js';
import { MODULES } from '../src/modules/index.js';
import { voucherParts } from '../src/modules/vouchers/jobs.js';
import {
  assertValidVoucherRequests,
  buildPayload,
  insertValidatedVoucherRequests,
  voucherNumberFor,
} from '../src/modules/vouchers/request.js';
import { SUBMISSION_BATCH } from '../src/modules/vouchers/submissions.js';
import { signVoucherSync, voucherLeafHash } from '../src/modules/vouchers/voucher-format.js';
import { loadConfig } from '../src/platform/config.js';
import { startRuntime } from '../src/platform/runtime.js';
import { contractRequest } from '../src/test/fixtures/vouchers.js';
import { randomCreditCode } from '../src/test/ids.js';
import { mainThreadCpuUs } from './bench/harness.js';
import { statementsSent } from './bench/statements.js';

const RATE = Number(process.env.BENCH_RATE ?? 3000);
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const BATCH = Number(process.env.BENCH_BATCH ?? SUBMISSION_BATCH.maxBatch);
/** validateVoucherRequest's source id rule (request.ts). */
const SOURCE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PRODUCERS = SUBMISSION_BATCH.maxInFlight;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ONLY = process.env.BENCH_ONLY;
const run = randomBytes(4).toString('hex');

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-vouchers-'));
await fs.chmod(dataDir, 0o755);
const config = loadConfig({
  ...process.env,
  PORT: '0',
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  SEED_DEMO: 'false',
  // One partner client drives the HTTP scenario: the per-client rate limit must not shape it.
  RATE_LIMIT_MAX: '1000000',
});
/** The HTTP scenario's process: an API replica (`techex api`), or with its workers (BENCH_WORKERS=1). */
const HTTP_WITH_WORKERS = process.env.BENCH_WORKERS === '1';
const E2E = !ONLY || ONLY === 'e2e';
let runtime = await startRuntime(config, { api: true, workers: E2E || HTTP_WITH_WORKERS, modules: MODULES });
let { ctx } = runtime;
let { pool, db } = ctx.database;
/**
 * BENCH_EXPLAIN=<ms>: every statement of the service's sessions taking at least that long is
 * logged with its plan, buffers and WAL (auto_explain, loaded into each new session; the service is
 * restarted on the same database for that) to the server log; the end-to-end run then prints the
 * database time by statement.
 */
const EXPLAIN_MS = process.env.BENCH_EXPLAIN;
let serverLog: { file: string; from: number } | undefined;
if (EXPLAIN_MS !== undefined) {
  const dir = (await pool.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0]!.d;
  const settings = {
    session_preload_libraries: 'auto_explain',
    'auto_explain.log_min_duration': EXPLAIN_MS,
    'auto_explain.log_analyze': 'on',
    'auto_explain.log_timing': 'off',
    'auto_explain.log_buffers': 'on',
    'auto_explain.log_wal': 'on',
    'auto_explain.log_nested_statements': 'on',
  };
  const database = (await pool.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
  for (const [k, v] of Object.entries(settings))
    await pool.query(`ALTER DATABASE ${database} SET ${k} = '${v}'`);
  await runtime.close();
  runtime = await startRuntime(config, { api: true, workers: E2E || HTTP_WITH_WORKERS, modules: MODULES });
  ({ ctx } = runtime);
  ({ pool, db } = ctx.database);
  const file = `${dir}.log`;
  serverLog = { file, from: (await fs.stat(file)).size };
}

/** Database time by statement from the auto_explain entries written since `serverLog.from`. */
async function explained(): Promise<void> {
  if (!serverLog) return;
  const text = (await fs.readFile(serverLog.file, 'utf8')).slice(serverLog.from);
  // The data directory goes at the end of the run: the plans are kept beside it.
  const kept = path.join(os.tmpdir(), `bench-vouchers-explain-${run}.log`);
  await fs.writeFile(kept, text);
  const by = new Map<string, { n: number; ms: number }>();
  for (const m of text.matchAll(/duration: ([\d.]+) ms\s+plan:\s*\n\s*Query Text:([\s\S]{0,400})/g)) {
    const key = m[2]!.replace(/\s+/g, ' ').trim().slice(0, 90);
    const e = by.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += Number(m[1]);
    by.set(key, e);
  }
  console.log(`database time by statement (auto_explain, ≥ ${EXPLAIN_MS} ms; plans in ${kept}):`);
  for (const [k, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15))
    console.log(`${e.ms.toFixed(0).padStart(8)} ms ${String(e.n).padStart(6)}×  ${k}`);
}

/** Restarts the service on the same data directory (its database kept) as an API replica. */
async function restartForHttp(): Promise<void> {
  if (!E2E || HTTP_WITH_WORKERS) return;
  await runtime.close();
  runtime = await startRuntime(config, { api: true, workers: false, modules: MODULES });
  ({ ctx } = runtime);
  ({ pool, db } = ctx.database);
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * What the database sessions do while `fn` runs: pg_stat_activity sampled every 100 ms, counted
 * by wait (or cpu) and the statement's first words; the most frequent are printed (BENCH_SAMPLE=1).
 */
async function sampled<T>(fn: () => Promise<T>): Promise<T> {
  if (!process.env.BENCH_SAMPLE) return fn();
  const seen = new Map<string, number>();
  let sampling = true;
  const probe = await pool.connect();
  const loop = (async () => {
    while (sampling) {
      const r = await probe.query<{ w: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') || ' (' || state || ') '
                || left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS w, count(*)::int AS n
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND state <> 'idle' GROUP BY 1`,
      );
      for (const row of r.rows) seen.set(row.w, (seen.get(row.w) ?? 0) + row.n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return await fn();
  } finally {
    sampling = false;
    await loop;
    probe.release();
    const top = [...seen].sort((a, b) => b[1] - a[1]).slice(0, 15);
    console.log('database sessions, samples (every 100 ms):');
    for (const [w, n] of top) console.log(`${String(n).padStart(6)}  ${w}`);
  }
}

/**
 * Offered load: RATE transactions per second for DURATION seconds, recorded as a busy API replica
 * records partner submissions: PRODUCERS batches in flight at most, up to BATCH transactions each
 * (submissions.ts SUBMISSION_BATCH), through the same function (`insertValidatedVoucherRequests`,
 * no surrounding transaction), then the issuer kicked as the route does.
 * Validation is the API replica's per-request work, not the issuing service's: here it runs once
 * for the request template (a real submission's, contractRequest) and every request differs from it
 * only by its sourceId, which is checked on its own (validateVoucherRequest's source id rule).
 */
async function endToEnd() {
  const stopProfile = await startProfile();
  const pgBefore = await postgresCpuUs();
  const processBefore = process.cpuUsage();
  const mainBefore = mainThreadCpuUs() ?? 0;
  try {
    const r = await sampled(endToEndRun);
    await explained();
    const processUs = process.cpuUsage(processBefore);
    const cpu = {
      main: ((mainThreadCpuUs() ?? 0) - mainBefore) / r.total,
      process: (processUs.user + processUs.system) / r.total,
      postgres: ((await postgresCpuUs()) - pgBefore) / r.total,
    };
    return { ...r, cpu };
  } finally {
    await stopProfile();
  }
}

/**
 * CPU µs (utime + stime) of the PostgreSQL server's processes, backends and background processes,
 * from /proc (Linux, a server on this machine; 0 elsewhere). A backend that exits in between takes
 * its time with it: the pools keep theirs for the run.
 */
async function postgresCpuUs(): Promise<number> {
  try {
    const pids = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
    let ticks = 0;
    for (const { pid } of pids.rows) {
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (!stat) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (ticks * 1e6) / 100;
  } catch {
    return 0;
  }
}

async function endToEndRun() {
  const total = RATE * DURATION;
  const { issuer } = voucherParts(ctx);
  const template = contractRequest({ sourceId: `bench-${run}-template` });
  assertValidVoucherRequests([template]);
  const t0 = Date.now();
  let sent = 0;
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
      const requests = Array.from({ length: n }, (_, i) => {
        const sourceId = `bench-${run}-${base + i}`;
        if (!SOURCE_ID.test(sourceId)) throw new Error(`bad source id ${sourceId}`);
        return { ...template, sourceId };
      });
      await insertValidatedVoucherRequests(db, requests);
      issuer.kick();
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
  const offeredSeconds = (Date.now() - t0) / 1000;
  const sentAt = Date.now();
  const like = `bench-${run}-%`;
  // Done when nothing waits for a voucher or a leaf (this database is the bench's own): two
  // probes of partial indexes, not a count over every voucher, which took more of the database
  // than any part of the pipeline when run every 100 ms.
  for (;;) {
    const r = await pool.query<{ busy: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM voucher_transactions WHERE state = 'pending')
           OR EXISTS (SELECT 1 FROM vouchers WHERE leaf_index IS NULL) AS busy`,
    );
    if (!r.rows[0]!.busy) break;
    if (Date.now() - sentAt > 180_000) throw new Error(`not all ${total} in the log after 3 minutes`);
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

/** A verified partner organisation under a fresh registration point, and its client token. */
async function partner(): Promise<{ token: string; name: string; creditCode: string }> {
  let point: SubCentre | undefined;
  while (!point) {
    try {
      point = await insertSubCentre(db, {
        code: `32${8000 + Math.floor(Math.random() * 1000)}`,
        name: '基准测试分中心',
      });
    } catch {
      // code taken: draw another
    }
  }
  const creditCode = randomCreditCode(point.code);
  const name = `基准测试数据交易所-${run}`;
  const org = await insertOrganisation(db, {
    type: 'enterprise',
    name,
    creditCode,
    regionCode: point.code,
    subCentreId: point.id,
    partyNature: '100',
  });
  await db
    .update(organisations)
    .set({ verificationStatus: 'verified', verificationLevel: 'L2', verifiedAt: new Date() })
    .where(eq(organisations.id, org.id));
  const identity = createIdentityCore(db, ctx.config, ctx.secrets.appSecret);
  const token = await identity.tokens.issueForClient(`bench-partner-${run}`, {
    organisationId: org.id,
    scopes: ['vouchers:write'],
  });
  return { token, name, creditCode };
}

interface HttpResult {
  perSec: number;
  /** Statements this process sent to PostgreSQL per answered request, background workers included. */
  statementsPerRequest: number;
  /** CPU µs of this process's main thread (server, pg clients, workers) per answered request. */
  cpuUsPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function cannon(url: string, headers: Record<string, string>, body: string): Promise<HttpResult> {
  const before = statementsSent();
  const cpu = mainThreadCpuUs() ?? 0;
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    // `[<id>]` becomes a fresh id per request: every submission is a new transaction.
    idReplacement: true,
    connections: CONNECTIONS,
    duration: Math.max(2, Math.round(DURATION / 2)),
    workers: 1,
  });
  return {
    perSec: r.requests.average,
    statementsPerRequest: (statementsSent() - before) / Math.max(1, r.requests.total),
    cpuUsPerRequest: ((mainThreadCpuUs() ?? 0) - cpu) / Math.max(1, r.requests.total),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/**
 * `POST /v1/vouchers/transactions` (auth, validation, party checks, request + outbox row, 202)
 * beside a bare Fastify route inserting the same body into a table, in alternating runs.
 */
async function overHttp(): Promise<{ subject: HttpResult; baseline: HttpResult }> {
  const app = runtime.app!;
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/vouchers/transactions`;
  const p = await partner();
  const body = JSON.stringify({
    externalId: `bench-http-${run}-[<id>]`,
    parties: [
      { role: 'seller', name: p.name, creditCode: p.creditCode },
      { role: 'buyer', name: '南京某智能制造有限公司', creditCode: '91110108551385082Q' },
    ],
    subject: { title: '工业设备运行数据集（基准测试）' },
    amounts: { contractValueFen: 12_000_000, transactionAmountFen: 12_000_000 },
    documentHashes: [{ name: 'contract', sha256: createHash('sha256').update(run).digest('hex') }],
  });
  const probe = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` },
    body: body.replace('[<id>]', 'probe'),
  });
  if (probe.status !== 202) throw new Error(`submission answered ${probe.status}: ${await probe.text()}`);

  await pool.query('CREATE UNLOGGED TABLE IF NOT EXISTS bench_http_raw (id uuid PRIMARY KEY, body jsonb)');
  const bare = Fastify();
  bare.post('/raw', async (req, reply) => {
    await pool.query('INSERT INTO bench_http_raw VALUES (gen_random_uuid(), $1)', [JSON.stringify(req.body)]);
    return reply.code(202).send({ status: 'pending' });
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/raw`;
  try {
    const auth = { authorization: `Bearer ${p.token}` };
    await cannon(bareUrl, {}, body);
    await cannon(url, auth, body);
    // Alternate so that neither always runs on the warmer (or quieter) machine.
    const baseline = await cannon(bareUrl, {}, body);
    const stopProfile = await startProfile();
    const subject = await cannon(url, auth, body);
    await stopProfile();
    return { subject, baseline };
  } finally {
    await bare.close();
    await pool.query('DROP TABLE IF EXISTS bench_http_raw');
  }
}

/**
 * BENCH_PROFILE=<file>: a CPU profile of this process's main thread over the measured end-to-end
 * run (producers and service together: attribute by function) or the measured HTTP subject run
 * (with BENCH_ONLY; when both run, the HTTP profile is the one left in the file) (open it in Chrome's DevTools or any .cpuprofile viewer).
 */
async function startProfile(): Promise<() => Promise<void>> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return async () => {};
  const inspector = await import('node:inspector/promises');
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await fs.writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

try {
  console.log(
    `vouchers bench: ${RATE}/s offered for ${DURATION}s, queue on ${ctx.queues.backend}; ${os.cpus().length} cores, load average ${load()}`,
  );
  const ok = (b: boolean) => (b ? 'ok' : 'MISS');
  const lines: string[] = [];
  const targets: string[] = [];
  if (!ONLY || ONLY === 'e2e') {
    const e2e = await endToEnd();
    const raw = await baseline();
    lines.push(
      `${'end to end (request → inclusion proof)'.padEnd(42)}${e2e.perSec.toFixed(0).padStart(10)}${raw.perSec
        .toFixed(0)
        .padStart(
          10,
        )}${(e2e.perSec / raw.perSec).toFixed(2).padStart(7)}${e2e.p50.toFixed(0).padStart(9)}${e2e.p99
        .toFixed(0)
        .padStart(9)}${e2e.max.toFixed(0).padStart(9)}`,
    );
    lines.push(
      `  CPU per voucher: ${e2e.cpu.main.toFixed(0)} µs main thread, ${e2e.cpu.process.toFixed(0)} µs this process (thread pool included), ${e2e.cpu.postgres.toFixed(0)} µs PostgreSQL`,
    );
    targets.push(
      `≥ 3000 vouchers/s sustained: ${ok(e2e.perSec >= 3000)} (offered ${e2e.offered.toFixed(0)}/s); p99 to inclusion ≤ 1000 ms: ${ok(e2e.p99 <= 1000)}`,
    );
  }
  if (!ONLY || ONLY === 'http') {
    // Issuing is the end-to-end row's work: here the process takes submissions only, as an API
    // replica does while worker replicas issue (BENCH_WORKERS=1: both in one process).
    await restartForHttp();
    const { subject, baseline: bare } = await overHttp();
    lines.push(
      `${(HTTP_WITH_WORKERS ? 'POST …/transactions (+workers) vs bare' : 'POST /v1/vouchers/transactions vs bare').padEnd(42)}${subject.perSec.toFixed(0).padStart(10)}${bare.perSec
        .toFixed(0)
        .padStart(10)}${(subject.perSec / Math.max(1, bare.perSec)).toFixed(2).padStart(7)}${subject.p50
        .toFixed(0)
        .padStart(9)}${subject.p99.toFixed(0).padStart(9)}${''.padStart(9)}`,
    );
    lines.push(
      `  per request, background issuing included: ${subject.statementsPerRequest.toFixed(1)} statements to PostgreSQL vs ${bare.statementsPerRequest.toFixed(1)}, main-thread CPU ${subject.cpuUsPerRequest.toFixed(0)} µs vs ${bare.cpuUsPerRequest.toFixed(0)} µs`,
    );
    if (subject.errors || subject.non2xx)
      lines.push(`  (subject: ${subject.errors} errors, ${subject.non2xx} non-2xx responses)`);
    targets.push(`HTTP submissions ≥ 1500/s: ${ok(subject.perSec >= 1500)}`);
  }
  console.log(
    '\nscenario                                   vouchers/s  baseline  ratio   p50 ms   p99 ms   max ms',
  );
  for (const l of lines) console.log(l);
  console.log(`\ntargets (issue 14): ${targets.join('; ')}`);
  console.log(`load average after the run: ${load()}`);
} finally {
  await runtime.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
