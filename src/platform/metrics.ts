import client from 'prom-client';

/**
 * One registry per service instance (tests build many apps in one process; a global registry
 * would refuse the second registration). Queue gauges are collected at scrape time.
 */
export interface Metrics {
  readonly registry: client.Registry;
  readonly httpRequests: client.Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: client.Histogram<'method' | 'route'>;
  addQueueCollector(collect: () => Promise<QueueDepth[]>): void;
}

export interface QueueDepth {
  queue: string;
  counts: Record<string, number>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new client.Registry();
  if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: registry, prefix: 'techex_' });
  const httpRequests = new client.Counter({
    name: 'techex_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: 'techex_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const collectors: (() => Promise<QueueDepth[]>)[] = [];
  new client.Gauge({
    name: 'techex_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, delayed, failed, completed)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const collect of collectors) {
        const depths = await collect().catch(() => []);
        for (const d of depths)
          for (const [state, n] of Object.entries(d.counts)) this.set({ queue: d.queue, state }, n);
      }
    },
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    addQueueCollector(c) {
      collectors.push(c);
    },
  };
}
