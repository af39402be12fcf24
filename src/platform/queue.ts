import {
  createPostgresBackend,
  type Job,
  type JobsOptions,
  Queue as RedisQueue,
  Worker as RedisWorker,
  withBackend,
} from 'bullmq';
import pg from 'pg';
import type { Logger } from 'pino';
import type { QueueDepth } from './metrics.js';

/**
 * The typed queue registry: queue name → job payload. Modules add their queues by
 * augmenting this interface (`declare module '../../platform/queue.js'`), so no central
 * enum is edited by every feature.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by modules
export interface QueueRegistry {}
export type QueueName = keyof QueueRegistry & string;
export type Payload<N extends QueueName> = QueueRegistry[N];

export type QueueBackend =
  | { kind: 'postgres'; connectionString: string; schema: string }
  | { kind: 'redis'; url: string; prefix: string };

export interface ProcessorOptions {
  concurrency?: number;
}

/** Minimal views of BullMQ's Queue/Worker used here; both backends provide them. */
export interface AnyQueue {
  add(name: string, data: unknown, opts?: JobsOptions): Promise<Job>;
  addBulk(jobs: { name: string; data: unknown; opts?: JobsOptions }[]): Promise<Job[]>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getFailed(start?: number, end?: number): Promise<Job[]>;
  getJob(id: string): Promise<Job | undefined>;
  close(): Promise<void>;
}
export interface AnyWorker {
  close(force?: boolean): Promise<void>;
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  waitUntilReady(): Promise<unknown>;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  // Completed jobs are kept a week so a re-dispatched outbox row (same job id) is a no-op.
  removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

const WORKER_ERROR_PAUSE_MS = 1000;

const JOB_ID_RE = /^[A-Za-z0-9._-]{1,200}$/;
export function assertJobId(id: string): void {
  // BullMQ forbids ':' in custom ids (a Redis key separator) and purely numeric ids.
  if (!JOB_ID_RE.test(id) || /^\d+$/.test(id)) throw new Error(`invalid job id ${id}`);
}

function redisOptions(url: string, producer: boolean) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Producers fail fast while Redis is away (the outbox retries); workers wait for it.
    maxRetriesPerRequest: producer ? 1 : null,
    enableOfflineQueue: !producer,
    connectTimeout: 5000,
  };
}

export interface QueueFactory {
  readonly backend: QueueBackend['kind'];
  queue(name: string): AnyQueue;
  /** Forget (and close) a queue handle, e.g. after its connection failed, so the next use reconnects. */
  reset(name: string): Promise<void>;
  worker<N extends QueueName>(
    name: N,
    processor: (job: Job<Payload<N>>) => Promise<unknown>,
    opts?: ProcessorOptions,
  ): AnyWorker;
  depths(): Promise<QueueDepth[]>;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * pg-pool removes its error listener from a client while the client is lent out, so a dropped
 * connection during a BullMQ query (a PostgreSQL restart) emits 'error' with no listener: an
 * uncaught exception that kills the worker. BullMQ builds its own pool from our options, so we
 * hand it this client class, which always listens; the failure still rejects the query.
 */
class ListeningClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

export function createQueueFactory(
  backend: QueueBackend,
  logger: Pick<Logger, 'warn' | 'error'>,
): QueueFactory {
  const pg = backend.kind === 'postgres' ? withBackend(createPostgresBackend) : undefined;
  const queues = new Map<string, AnyQueue>();
  const workers = new Set<AnyWorker>();
  const known = new Set<string>();

  const pgConnection = (role: string) =>
    backend.kind === 'postgres'
      ? {
          connectionString: backend.connectionString,
          schema: backend.schema,
          migrate: true,
          max: 3,
          application_name: `techex-bullmq-${role}`,
          keepAlive: true,
          Client: ListeningClient,
        }
      : undefined;

  function makeQueue(name: string): AnyQueue {
    if (backend.kind === 'postgres') {
      return new pg!.Queue(name, {
        connection: pgConnection('queue')!,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }) as unknown as AnyQueue;
    }
    const queue: AnyQueue = new RedisQueue(name, {
      connection: {
        ...redisOptions(backend.url, true),
        retryStrategy: (times: number) => retryDelay(queue, times),
      },
      prefix: backend.prefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    }) as unknown as AnyQueue;
    return queue;
  }

  // A queue closed while Redis is unreachable fails its QUIT; BullMQ then drops its error
  // listener, but the ioredis client would go on reconnecting for ever (a leaked connection that
  // prints "[ioredis] Unhandled error event" at every attempt). A discarded queue's client stops
  // at its next attempt instead (retryStrategy null = give up, status "end").
  const discarded = new WeakSet<AnyQueue>();
  const retryDelay = (q: AnyQueue, times: number): number | null =>
    discarded.has(q) ? null : Math.max(Math.min(Math.exp(times), 20_000), 1000);
  const closeQueue = async (q: AnyQueue) => {
    discarded.add(q);
    await q.close().catch(() => undefined);
  };

  const factory: QueueFactory = {
    backend: backend.kind,
    queue(name) {
      known.add(name);
      let q = queues.get(name);
      if (!q) {
        q = makeQueue(name);
        (q as unknown as { on?: (e: string, l: (err: Error) => void) => void }).on?.('error', (err: Error) =>
          logger.warn({ err, queue: name }, 'queue connection error'),
        );
        queues.set(name, q);
      }
      return q;
    },
    async reset(name) {
      const q = queues.get(name);
      queues.delete(name);
      if (q) await closeQueue(q);
    },
    worker(name, processor, opts = {}) {
      known.add(name);
      const common = { concurrency: opts.concurrency ?? 8, autorun: true };
      const w = (backend.kind === 'postgres'
        ? new pg!.Worker(name, processor as never, { ...common, connection: pgConnection('worker')! })
        : new RedisWorker(name, processor as never, {
            ...common,
            connection: redisOptions(backend.url, false),
            prefix: backend.prefix,
          })) as unknown as AnyWorker;
      // BullMQ retries a failed fetch at once unless it recognises a Redis connection error, so
      // on the PostgreSQL backend a dropped connection ("Connection terminated unexpectedly")
      // turns its loop into a busy spin that starves the whole process. On any worker error we
      // pause the worker for a second (no new fetches; active jobs go on) and log at most once
      // per five seconds.
      let pausedUntilResume: NodeJS.Timeout | undefined;
      let lastLog = 0;
      let suppressed = 0;
      w.on('error', (err) => {
        const now = Date.now();
        if (now - lastLog >= 5000) {
          logger.warn({ err, queue: name, suppressed }, 'worker connection error');
          lastLog = now;
          suppressed = 0;
        } else suppressed++;
        if (pausedUntilResume || !workers.has(w)) return;
        void w.pause(true).catch(() => undefined);
        pausedUntilResume = setTimeout(() => {
          pausedUntilResume = undefined;
          if (workers.has(w)) void w.resume().catch(() => undefined);
        }, WORKER_ERROR_PAUSE_MS);
        pausedUntilResume.unref();
      });
      w.on('failed', (job, err) =>
        logger.warn({ err, queue: name, jobId: (job as Job | undefined)?.id }, 'job attempt failed'),
      );
      workers.add(w);
      return w;
    },
    async depths() {
      const out: QueueDepth[] = [];
      for (const name of known) {
        const counts = await withTimeout(
          factory
            .queue(name)
            .getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
          2000,
          'queue counts',
        );
        out.push({ queue: name, counts });
      }
      return out;
    },
    async ping(timeoutMs = 2000) {
      await withTimeout(factory.queue('platform.ping').getJobCounts('waiting'), timeoutMs, 'queue ping');
    },
    async close() {
      await Promise.allSettled([...workers].map((w) => w.close()));
      workers.clear();
      await Promise.allSettled([...queues.values()].map(closeQueue));
      queues.clear();
    },
  };
  return factory;
}
