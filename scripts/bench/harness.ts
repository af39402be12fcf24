import fs from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';

/**
 * Benchmarks print each result beside a baseline measured in the same run, as a ratio, so a
 * shared or slower machine shifts both numbers alike (no absolute thresholds in tests).
 * `compare` alternates subject and baseline in several short rounds and reports the median of
 * the per-round ratios: a burst of load from a neighbour then spoils one round, not the verdict.
 */
export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** Average response size on the wire (status line, headers and body). */
  bytesPerResponse?: number;
  /**
   * CPU time of this process's main thread per response: both servers, their pg clients and
   * background workers run there, the load generator in its own thread. Steadier than req/s on
   * a busy machine (Linux only; 10 ms ticks, so meaningful over runs of seconds).
   */
  cpuUsPerResponse?: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  durationSec?: number;
}

export const DURATION = Number(process.env.BENCH_DURATION ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Rounds per `compare` (each runs baseline and subject for DURATION / 2 seconds). */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** utime + stime of the main thread in µs, from /proc (undefined elsewhere). */
export function mainThreadCpuUs(): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const cpu = mainThreadCpuUs();
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    headers: opts.headers,
    body: opts.body,
    connections: opts.connections ?? CONNECTIONS,
    duration: opts.durationSec ?? DURATION,
    // Generate load from a worker thread so the client does not share the server's event loop.
    workers: 1,
  });
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    bytesPerResponse: result.requests.total ? result.throughput.total / result.requests.total : 0,
    cpuUsPerResponse: perResponse(cpu, mainThreadCpuUs(), result.requests.total),
  };
}

function perResponse(before: number | undefined, after: number | undefined, responses: number) {
  return before === undefined || after === undefined || !responses ? undefined : (after - before) / responses;
}

export interface Row {
  scenario: string;
  subject: LoadResult;
  baseline: LoadResult;
  target?: number;
  /** The median per-round ratio when measured in rounds (else subject / baseline req/s). */
  ratio?: number;
  /** Per-round ratios, in order. */
  rounds?: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The round whose result is the median by req/s (so its latencies belong together). */
function medianResult(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  const pick = sorted[(sorted.length - 1) >> 1]!;
  return {
    ...pick,
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

/**
 * Subject and baseline in `rounds` alternating short runs (the order flips every round so
 * neither always runs on a warmer machine), after a one-second warm-up of each (JIT, pools).
 */
export async function compare(
  scenario: string,
  subject: LoadOptions,
  baseline: LoadOptions,
  opts: { target?: number; rounds?: number; durationSec?: number } = {},
): Promise<Row> {
  const rounds = Math.max(1, opts.rounds ?? ROUNDS);
  const durationSec = Math.max(1, Math.round(opts.durationSec ?? DURATION / 2));
  await load({ ...baseline, durationSec: 1 });
  await load({ ...subject, durationSec: 1 });
  const subjects: LoadResult[] = [];
  const baselines: LoadResult[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const run = (o: LoadOptions) => load({ ...o, durationSec });
    let s: LoadResult;
    let b: LoadResult;
    if (i % 2 === 0) {
      b = await run(baseline);
      s = await run(subject);
    } else {
      s = await run(subject);
      b = await run(baseline);
    }
    subjects.push(s);
    baselines.push(b);
    ratios.push(s.requestsPerSec / Math.max(1, b.requestsPerSec));
  }
  return {
    scenario,
    subject: medianResult(subjects),
    baseline: medianResult(baselines),
    target: opts.target,
    ratio: median(ratios),
    rounds: ratios,
  };
}

/**
 * Waits until background work has drained (outbox dispatched, queues idle), at most `maxMs`:
 * seeding thousands of listings sets indexing jobs going on this process's event loop, and
 * a read measured meanwhile would say more about the indexer than about the read.
 */
export async function settle(
  ctx: {
    database: { pool: { query(sql: string): Promise<{ rows: { n: number }[] }> } };
    queues: { depths(): Promise<{ counts: Record<string, number> }[]> };
  },
  maxMs = 120_000,
): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  while (Date.now() - started < maxMs && quiet < 2) {
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await ctx.database.pool.query(
      'SELECT count(*)::int AS n FROM outbox_jobs WHERE dispatched_at IS NULL',
    );
    // On a loaded machine a count may time out: that is not quiet, try again.
    const depths = await ctx.queues.depths().catch(() => undefined);
    if (!depths) {
      quiet = 0;
      continue;
    }
    const busy = depths.reduce(
      (n, d) => n + (d.counts.waiting ?? 0) + (d.counts.active ?? 0) + (d.counts.prioritized ?? 0),
      0,
    );
    quiet = rows[0]!.n + busy === 0 ? quiet + 1 : 0;
  }
  return (Date.now() - started) / 1000;
}

export function report(rows: Row[]): void {
  const fmt = (n: number) => n.toFixed(0).padStart(8);
  const load = os.loadavg().map((n) => n.toFixed(2));
  console.log(`\nload average (1, 5, 15 min): ${load.join(', ')} on ${os.cpus().length} CPUs`);
  console.log(
    'scenario                                            req/s  baseline   ratio  target  p99 ms  errors',
  );
  for (const r of rows) {
    const ratio = r.ratio ?? r.subject.requestsPerSec / Math.max(1, r.baseline.requestsPerSec);
    const verdict =
      r.target === undefined ? '' : ratio >= r.target ? ` ≥${r.target} ok` : ` <${r.target} MISS`;
    console.log(
      `${r.scenario.padEnd(48)}${fmt(r.subject.requestsPerSec)}${fmt(r.baseline.requestsPerSec)}  ${ratio.toFixed(2).padStart(6)}${verdict.padStart(9)}${fmt(r.subject.p99Ms)}${fmt(r.subject.errors + r.subject.non2xx)}`,
    );
    const details: string[] = [];
    if (r.rounds && r.rounds.length > 1)
      details.push(`median of ${r.rounds.length} rounds: ${r.rounds.map((x) => x.toFixed(2)).join(' ')}`);
    if (r.subject.bytesPerResponse && r.baseline.bytesPerResponse)
      details.push(
        `bytes/response ${r.subject.bytesPerResponse.toFixed(0)} vs ${r.baseline.bytesPerResponse.toFixed(0)}`,
      );
    if (r.subject.cpuUsPerResponse && r.baseline.cpuUsPerResponse)
      details.push(
        `server thread CPU µs/response ${r.subject.cpuUsPerResponse.toFixed(0)} vs ${r.baseline.cpuUsPerResponse.toFixed(0)}`,
      );
    if (details.length) console.log(`    ${details.join('; ')}`);
  }
}
