import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createDatabase, type Database, runMigrations } from './db.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { buildApp } from './http/app.js';
import { pruneIdempotencyKeys } from './http/idempotency.js';
import { createLogger } from './logger.js';
import { runMaintenance } from './maintenance.js';
import { createMetrics } from './metrics.js';
import {
  type BackgroundService,
  type MaintenanceJob,
  type ModuleContext,
  type ModuleDefinition,
  type ModuleSetupContext,
  startWorker,
} from './module.js';
import { createOutboxDispatcher, deferredQueuesOf, pruneOutbox } from './outbox.js';
import { createCursorCodec } from './pagination.js';
import { type AnyWorker, createQueueFactory, type QueueBackend } from './queue.js';
import { loadSecrets } from './secrets.js';
import { type StartupPhases, startupPhases } from './startup-phases.js';

export interface RuntimeOptions {
  api: boolean;
  workers: boolean;
  /** The feature modules (src/modules/index.ts's MODULES): the platform imports none itself. */
  modules: ModuleDefinition[];
}

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly ctx: ModuleContext;
  readonly app?: FastifyInstance;
  readonly embedded?: EmbeddedPostgres;
  close(): Promise<void>;
}

export function queueBackendFor(config: Config, databaseUrl: string): QueueBackend {
  return config.redisUrl
    ? { kind: 'redis', url: config.redisUrl, prefix: config.queuePrefix }
    : { kind: 'postgres', connectionString: databaseUrl, schema: `${config.queuePrefix}_bullmq` };
}

/** Start PostgreSQL (embedded when DATABASE_URL is unset) and apply migrations. */
export async function openDatabase(
  config: Config,
  logger: Logger,
  password: string,
  phases?: StartupPhases,
): Promise<{ database: Database; url: string; embedded?: EmbeddedPostgres }> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      password,
      database: 'techex',
      logger: logger.child({ component: 'embedded-postgres' }),
    });
    // The service's own connections go over the Unix socket when there is one (cheaper per round trip).
    url = embedded.socketUrl ?? embedded.url;
  }
  phases?.mark('postgres');
  const database = createDatabase(url, { max: config.databasePoolMax });
  try {
    await runMigrations(database.pool);
    phases?.mark('migrations');
  } catch (err) {
    await database.close();
    await embedded?.stop();
    throw err;
  }
  return { database, url, embedded };
}

export async function startRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const phases = startupPhases();
  const logger = createLogger(config);
  const secrets = await loadSecrets(config);
  phases.mark('secrets');
  const { database, url, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword, phases);
  const { modules } = opts;
  const queues = createQueueFactory(queueBackendFor(config, url), logger.child({ component: 'queue' }));
  const outbox = createOutboxDispatcher({
    db: database.db,
    queues,
    logger: logger.child({ component: 'outbox' }),
    sweepMs: config.outboxSweepMs,
    deferred: deferredQueuesOf(modules),
  });
  const base: ModuleSetupContext = {
    config,
    database,
    queues,
    outbox,
    secrets,
    cursors: createCursorCodec(secrets.appSecret),
    metrics: createMetrics(),
    logger,
  };
  const ctx: ModuleContext = {
    ...base,
    authenticator: await authenticatorOf(modules, base),
    readinessChecks: {},
  };
  phases.mark('context');
  try {
    for (const mod of modules) {
      if (!mod.startup) continue;
      await mod.startup(ctx);
      phases.mark(`startup:${mod.name}`);
    }
  } catch (err) {
    await outbox.stop();
    await queues.close();
    await database.close();
    await embedded?.stop();
    throw err;
  }
  for (const mod of modules) Object.assign(ctx.readinessChecks, mod.readiness?.(ctx));

  const workers: AnyWorker[] = [];
  const services: BackgroundService[] = [];
  let maintenance: NodeJS.Timeout | undefined;
  let app: FastifyInstance | undefined;
  try {
    outbox.start();
    if (opts.workers) {
      for (const mod of modules) {
        for (const def of mod.workers?.(ctx) ?? []) {
          workers.push(startWorker(queues, def, config.workerConcurrency));
        }
      }
      phases.mark('workers');
      for (const mod of modules) {
        for (const svc of mod.services?.(ctx) ?? []) {
          await svc.start();
          services.push(svc);
        }
        if (mod.services) phases.mark(`services:${mod.name}`);
      }
      const jobs: MaintenanceJob[] = [
        { name: 'idempotency-keys', run: () => pruneIdempotencyKeys(database.db) },
        { name: 'outbox', run: () => pruneOutbox(database.db) },
        ...modules.flatMap((m) => m.maintenance?.(ctx) ?? []),
      ];
      const prune = () => runMaintenance(jobs, logger.child({ component: 'maintenance' }));
      maintenance = setInterval(prune, 3600_000);
      maintenance.unref();
    }
    if (opts.api) {
      app = await buildApp(
        ctx,
        modules.flatMap((m) => (m.routes ? [m.routes] : [])),
        modules.flatMap((m) => m.plugins ?? []),
      );
      phases.mark('http-app');
      await app.listen({ host: config.host, port: config.port });
      phases.mark('listen');
    }
    logger.info(phases.summary(), 'start-up phases (ms)');
  } catch (err) {
    await Promise.allSettled(workers.map((w) => w.close()));
    await Promise.allSettled(services.map((s) => s.stop()));
    await outbox.stop();
    await queues.close();
    await database.close();
    await embedded?.stop();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    ctx,
    app,
    embedded,
    close() {
      closing ??= (async () => {
        if (maintenance) clearInterval(maintenance);
        // Order matters: stop taking requests, finish in-flight work, then release storage.
        await app?.close();
        await Promise.allSettled(workers.map((w) => w.close()));
        await Promise.allSettled(services.map((s) => s.stop()));
        await outbox.stop();
        await queues.close();
        await database.close();
        await embedded?.stop();
      })();
      return closing;
    },
  };
}

/** The access-token verifier, from the one module that provides it (identity). */
async function authenticatorOf(modules: ModuleDefinition[], ctx: ModuleSetupContext) {
  const providers = modules.filter((m) => m.authentication);
  if (providers.length !== 1 || !providers[0]?.authentication)
    throw new Error(`exactly one module must provide authentication, found ${providers.length}`);
  return providers[0].authentication(ctx);
}
