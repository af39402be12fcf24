import type { Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db.js';
import type { Authenticator } from './http/auth.js';
import type { Metrics } from './metrics.js';
import type { OutboxDispatcher } from './outbox.js';
import type { CursorCodec } from './pagination.js';
import type { AnyWorker, Payload, QueueFactory, QueueName } from './queue.js';
import type { Secrets } from './secrets.js';

/**
 * The contract between the platform and the feature modules. The platform imports no module:
 * the composition root (src/modules/index.ts, handed to `startRuntime` by src/main.ts) lists
 * them, and each contributes through the hooks of its `ModuleDefinition`.
 */

/** What every module's routes and services may use; wired once in runtime.ts. */
export interface ModuleContext {
  config: Config;
  database: Database;
  queues: QueueFactory;
  outbox: OutboxDispatcher;
  secrets: Secrets;
  cursors: CursorCodec;
  metrics: Metrics;
  /** The process's root logger; take a child per component. */
  logger: Logger;
  /** Verifies access tokens (provided by the identity module's `authentication` hook). */
  authenticator: Authenticator;
  /** Extra readiness checks (the modules' `readiness` hooks, e.g. the search engine when configured). */
  /** GET /readyz checks: reject = not ready; resolve to `{ warning }` = ready, with a warning. */
  readinessChecks: Record<string, () => Promise<unknown>>;
}

/** What the platform has built before the modules are asked for their authenticator. */
export type ModuleSetupContext = Omit<ModuleContext, 'authenticator' | 'readinessChecks'>;

export type ModuleRoutes = (app: FastifyInstance, ctx: ModuleContext) => Promise<void>;

/**
 * A Fastify plugin every API instance registers app-wide, after authentication (so the caller's
 * principal is known) and before idempotency, e.g. the rate limiter.
 */
export type ModulePlugin = (app: FastifyInstance, ctx: ModuleContext) => Promise<void>;

/**
 * A job processor a module contributes to the worker process, for a queue of the typed queue
 * registry: the job it processes carries that queue's payload.
 */
export type WorkerDefinition = { [N in QueueName]: WorkerOf<N> }[QueueName];
interface WorkerOf<N extends QueueName> {
  queue: N;
  concurrency?: number;
  process(job: Job<Payload<N>>): Promise<unknown>;
}

/** Starts a module's worker on its queue (the one place that binds a definition to the queue factory). */
export function startWorker(queues: QueueFactory, def: WorkerDefinition, concurrency?: number): AnyWorker {
  const start = <N extends QueueName>(d: WorkerOf<N>) =>
    queues.worker(d.queue, (job) => d.process(job), { concurrency: d.concurrency ?? concurrency });
  return start(def);
}

/** A loop a module runs beside its queue workers (e.g. the voucher log's sequencer). */
export interface BackgroundService {
  name: string;
  start(): Promise<void>;
  /** Finish the work in hand and stop; called before the database closes. */
  stop(): Promise<void>;
}

/** Periodic housekeeping (pruning expired rows), run hourly in worker processes. */
export interface MaintenanceJob {
  name: string;
  run(): Promise<unknown>;
}

/**
 * What a feature module contributes: HTTP routes (bound by operationId), app-wide plugins,
 * queue workers, background services, start-up tasks, readiness checks and maintenance jobs.
 */
export interface ModuleDefinition {
  name: string;
  routes?: ModuleRoutes;
  /** Registered app-wide in every API instance (see `ModulePlugin`). */
  plugins?: ModulePlugin[];
  /** The access-token verifier; exactly one module (identity) provides it, before anything else runs. */
  authentication?: (ctx: ModuleSetupContext) => Promise<Authenticator>;
  /** Run once at start-up in every process, in module order, before workers and the API start. */
  startup?: (ctx: ModuleContext) => Promise<void>;
  /** Named checks GET /readyz runs besides the database's. */
  readiness?: (ctx: ModuleContext) => Record<string, () => Promise<unknown>>;
  workers?: (ctx: ModuleContext) => WorkerDefinition[];
  /** Started in worker processes (`techex worker`, `techex start`), stopped on shutdown. */
  services?: (ctx: ModuleContext) => BackgroundService[];
  /** Run hourly in worker processes; a failure is logged and the next job still runs. */
  maintenance?: (ctx: ModuleContext) => MaintenanceJob[];
  /**
   * Queues whose jobs a background service of the module usually does before the queue could
   * (e.g. `vouchers.issue`: the batch issuer sweeps pending transactions and marks their outbox
   * rows dispatched in the same transaction), with a grace in ms: the outbox dispatcher leaves a
   * row of such a queue alone until it is that old, then delivers it as any other (the service was
   * down or failed on it).
   */
  deferOutboxDispatch?: Readonly<Record<string, number>>;
}
