/**
 * Contract registration throughput: submit → take → register (gap-free number, audit rows,
 * voucher request) per contract, through the service layer, beside a baseline of the same
 * number of transactions doing a plain INSERT + UPDATE through pg, in the same run.
 * Wired in scripts/bench.ts (`BENCH_ONLY=contract npm run bench`); `npx tsx scripts/bench/contracts.ts`
 * runs it alone on embedded defaults (no HTTP server, no catalogue seeding). Every cycle applies
 * for a contract of its own (fresh document hash and project): the same application twice is a
 * duplicate (409), which would measure the refusal instead of the registration. Each concurrent
 * loop applies for an organisation of its own, all at ONE registration point (whose counter
 * row serialises the registrations). Prints the mean
 * time of each phase, so the slow step shows without a profiler. Target (issue 14): ≥ 300/s.
 */

import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { registerContract, takeForReview } from '../../src/modules/contracts/review.js';
import { type ContractDeps, createContract, submitContract } from '../../src/modules/contracts/service.js';
import {
  insertOrganisation,
  insertSubCentre,
  type SubCentre,
} from '../../src/modules/identity/repository.js';
import { organisations } from '../../src/modules/identity/schema.js';
import { MODULES } from '../../src/modules/index.js';
import { newId } from '../../src/platform/ids.js';
import type { ModuleContext } from '../../src/platform/module.js';
import type { Principal } from '../../src/platform/principal.js';
import { application } from '../../src/test/fixtures/contracts.js';
import { sha256hex } from '../../src/test/hashes.js';
import { randomCreditCode } from '../../src/test/ids.js';
import { CONNECTIONS, DURATION, type LoadResult, mainThreadCpuUs, type Row } from './harness.js';
import { statementKinds, statementsSent, uncount } from './statements.js';

interface Scenario {
  name: string;
  target?: number;
  run(): Promise<Row>;
}

/** Runs `cycle` from `concurrency` loops for `seconds`; cycles per second and latencies. */
async function measure(
  seconds: number,
  concurrency: number,
  cycle: (loop: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        try {
          await cycle(loop);
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { requestsPerSec: latencies.length / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99), errors, non2xx: 0 };
}

/**
 * One registration point, its registrar, and `applicants` verified organisations applying there
 * (one per concurrent loop: an organisation's applications are serialised by its advisory lock,
 * duplicates.ts, and a point serves many organisations).
 */
export async function benchPoint(
  ctx: ModuleContext,
  applicants: number,
): Promise<{
  subCentre: SubCentre;
  applicants: { sellerCode: string; principal: Principal }[];
  registrar: Principal;
}> {
  const db = ctx.database.db;
  let subCentre: SubCentre | undefined;
  while (!subCentre) {
    try {
      subCentre = await insertSubCentre(db, { code: `32${9000 + randomInt(1000)}`, name: '基准测试登记点' });
    } catch {
      // code taken: draw another
    }
  }
  const base = {
    kind: 'user' as const,
    orgVerified: true,
    scopes: new Set(['contracts:read', 'contracts:write']),
  };
  const orgs = [];
  for (let i = 0; i < applicants; i++) {
    const creditCode = randomCreditCode(subCentre.code);
    const org = await insertOrganisation(db, {
      type: 'university',
      name: `基准测试大学 ${i + 1}`,
      creditCode,
      regionCode: subCentre.code,
      subCentreId: subCentre.id,
      partyNature: '022',
    });
    await db
      .update(organisations)
      .set({ verificationStatus: 'verified', verifiedAt: new Date() })
      .where(eq(organisations.id, org.id));
    orgs.push({
      sellerCode: creditCode,
      principal: {
        ...base,
        id: newId(),
        organisationId: org.id,
        orgRole: 'org_member',
        roles: [],
        registrarSubCentres: [],
      } satisfies Principal,
    });
  }
  return {
    subCentre,
    applicants: orgs,
    registrar: { ...base, id: newId(), roles: ['registrar'], registrarSubCentres: [subCentre.id] },
  };
}

/** utime + stime (ms) of PostgreSQL processes `pids` from /proc (a process gone, unreadable or not PostgreSQL is left out). */
function processesCpuMs(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Only a PostgreSQL process: a server in a container reports pids of its own namespace.
      if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // not on Linux, or gone
    }
  }
  return out;
}

/** Mean milliseconds per phase of the subject's cycles (create, submit, take, register). */
export const phaseMs: Record<string, { total: number; n: number }> = {};
async function timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    phaseMs[phase] ??= { total: 0, n: 0 };
    const p = phaseMs[phase];
    p.total += performance.now() - t;
    p.n++;
  }
}

export function phaseSummary(): string {
  return Object.entries(phaseMs)
    .map(([k, v]) => `${k} ${(v.total / Math.max(1, v.n)).toFixed(1)} ms`)
    .join(', ');
}

export function contractsScenario(ctx: ModuleContext): Scenario {
  return {
    name: 'contract submit+take+register vs pg INSERT+UPDATE',
    async run() {
      const deps: ContractDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
      const concurrency = Math.min(CONNECTIONS, 8);
      const { subCentre, applicants, registrar } = await benchPoint(ctx, concurrency);
      let serial = 0;
      // How often a cycle waits for a pooled connection (the background workers share the pool).
      const pool = ctx.database.pool;
      const waits = { samples: 0, waiting: 0, max: 0 };
      const sampler = setInterval(() => {
        waits.samples++;
        waits.waiting += pool.waitingCount;
        waits.max = Math.max(waits.max, pool.waitingCount);
      }, 20);
      // What the database sessions wait on meanwhile (lock, I/O, client), sampled.
      const seen = new Map<string, number>();
      let sampling = true;
      const activity = (async () => {
        const probe = new pg.Client({ connectionString: pool.options.connectionString });
        uncount(probe);
        await probe.connect();
        try {
          while (sampling) {
            const r = await probe.query<{ w: string; n: number }>(
              `SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') || ' (' || state || ')' AS w, count(*)::int AS n
               FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                 AND state <> 'idle' GROUP BY 1`,
            );
            for (const row of r.rows) seen.set(row.w, (seen.get(row.w) ?? 0) + row.n);
            await new Promise((r) => setTimeout(r, 100));
          }
        } finally {
          await probe.end();
        }
      })();
      // CPU spent per cycle: this process (all threads; the main thread alone) and the database
      // server's processes (backends and background processes of this bench's cluster).
      const serverPids = async () =>
        (await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity')).rows.map((r) => r.pid);
      const dbBefore = processesCpuMs(await serverPids());
      const cpuBefore = process.cpuUsage();
      const mainBefore = mainThreadCpuUs();
      const before = statementsSent();
      const kindsBefore = statementKinds();
      const subject = await measure(DURATION, concurrency, async (loop) => {
        // Creating the draft is the applicant's earlier work; it is included to keep the loop simple.
        const { sellerCode, principal: applicant } = applicants[loop]!;
        const input = application(
          { subCentre, sellerCode },
          { projectName: `基准测试技术开发项目 ${++serial}`, documentSha256: sha256hex(`bench ${newId()}`) },
        );
        const c = await timed('create', () => createContract(deps, { principal: applicant }, input));
        await timed('submit', () => submitContract(deps, { principal: applicant }, c.id));
        await timed('take', () => takeForReview(deps, { principal: registrar }, c.id));
        await timed('register', () => registerContract(deps, { principal: registrar }, c.id, {}));
      });
      const cycles = Math.max(1, subject.requestsPerSec * DURATION);
      const perCycle = (statementsSent() - before) / cycles;
      const kinds = statementKinds(kindsBefore);
      const cpu = process.cpuUsage(cpuBefore);
      const mainAfter = mainThreadCpuUs();
      const dbAfter = processesCpuMs(await serverPids());
      let dbMs = 0;
      for (const [pid, ms] of dbAfter) dbMs += ms - (dbBefore.get(pid) ?? 0);
      clearInterval(sampler);
      sampling = false;
      await activity;
      const busiest = [...seen].sort((a, b) => b[1] - a[1]).slice(0, 6);
      console.log(
        `  contracts: busy database sessions by wait (samples): ${busiest.map(([w, n]) => `${w} ${n}`).join(', ')}`,
      );
      console.log(
        `  contracts: CPU per cycle: this process ${((cpu.user + cpu.system) / 1000 / cycles).toFixed(2)} ms (main thread ${
          mainBefore !== undefined && mainAfter !== undefined
            ? ((mainAfter - mainBefore) / 1000 / cycles).toFixed(2)
            : '?'
        } ms), database server ${
          // A server on another machine (or in a container) has no processes to read here.
          dbAfter.size ? `${(dbMs / cycles).toFixed(2)} ms` : '? (its processes are not visible here)'
        }`,
      );
      // BENCH_STATEMENTS=1: the statements per cycle by kind (their text's first words).
      if (process.env.BENCH_STATEMENTS === '1')
        for (const [k, n] of [...kinds].sort((a, b) => b[1] - a[1]))
          console.log(`    ${(n / cycles).toFixed(2).padStart(6)}  ${k}`);
      if (subject.errors) console.log(`  contracts: ${subject.errors} cycles failed`);
      console.log(
        `  contracts: ${perCycle.toFixed(1)} statements per cycle (the baseline's: 4), the background workers' included; mean per phase ${phaseSummary()}; queries waiting for a pooled connection: mean ${(waits.waiting / Math.max(1, waits.samples)).toFixed(1)}, max ${waits.max} (pool of ${pool.options.max})`,
      );
      await pool.query(
        'CREATE UNLOGGED TABLE IF NOT EXISTS bench_contracts_baseline (id uuid PRIMARY KEY, status text, n int)',
      );
      try {
        const baseline = await measure(DURATION, concurrency, async () => {
          // The same number of round trips and transactions, without the rules: 1 insert + 3 updates.
          const id = newId();
          await pool.query(`INSERT INTO bench_contracts_baseline VALUES ($1, 'draft', 0)`, [id]);
          for (const status of ['submitted', 'under_review', 'registered'])
            await pool.query('UPDATE bench_contracts_baseline SET status = $2, n = n + 1 WHERE id = $1', [
              id,
              status,
            ]);
        });
        return { scenario: this.name, subject, baseline, target: this.target };
      } finally {
        await pool.query('DROP TABLE IF EXISTS bench_contracts_baseline');
      }
    },
  };
}

// Alone: `npx tsx scripts/bench/contracts.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const fs = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { loadConfig } = await import('../../src/platform/config.js');
  const { startRuntime } = await import('../../src/platform/runtime.js');
  const { report } = await import('./harness.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-contracts-'));
  await fs.chmod(dataDir, 0o755);
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
  });
  // BENCH_WORKERS=false: without the background workers (outbox, voucher issuing) in this process.
  const runtime = await startRuntime(config, {
    api: false,
    workers: process.env.BENCH_WORKERS !== 'false',
    modules: MODULES,
  });
  try {
    report([await contractsScenario(runtime.ctx).run()]);
  } finally {
    await runtime.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
