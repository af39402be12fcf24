import autocannon from 'autocannon';

/**
 * Benchmarks print each result beside a baseline measured in the same run, as a ratio, so a
 * shared or slower machine shifts both numbers alike (no absolute thresholds in tests).
 */
export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
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

export async function load(opts: LoadOptions): Promise<LoadResult> {
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
  };
}

export interface Row {
  scenario: string;
  subject: LoadResult;
  baseline: LoadResult;
  target?: number;
}

export function report(rows: Row[]): void {
  const fmt = (n: number) => n.toFixed(0).padStart(8);
  console.log(
    '\nscenario                                            req/s  baseline   ratio  target  p99 ms  errors',
  );
  for (const r of rows) {
    const ratio = r.subject.requestsPerSec / Math.max(1, r.baseline.requestsPerSec);
    const verdict =
      r.target === undefined ? '' : ratio >= r.target ? ` ≥${r.target} ok` : ` <${r.target} MISS`;
    console.log(
      `${r.scenario.padEnd(48)}${fmt(r.subject.requestsPerSec)}${fmt(r.baseline.requestsPerSec)}  ${ratio.toFixed(2).padStart(6)}${verdict.padStart(9)}${fmt(r.subject.p99Ms)}${fmt(r.subject.errors + r.subject.non2xx)}`,
    );
  }
}
