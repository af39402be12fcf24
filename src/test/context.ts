import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { inject } from 'vitest';
import { createIdentityCore, type IdentityCore } from '../modules/identity/index.js';
import { integrationModule } from '../modules/integration/module.js';
import { MeiliSearchEngine } from '../modules/matching/meili-engine.js';
import { type Config, loadConfig } from '../platform/config.js';
import { createDatabase } from '../platform/db.js';
import { buildApp } from '../platform/http/app.js';
import { createMetrics } from '../platform/metrics.js';
import type { ModuleContext, ModuleDefinition, ModuleRoutes } from '../platform/module.js';
import { createOutboxDispatcher } from '../platform/outbox.js';
import { createCursorCodec } from '../platform/pagination.js';
import { createQueueFactory, type QueueBackend } from '../platform/queue.js';

export interface TestContext extends ModuleContext {
  /** The real identity core (keys, token service) on the test database. */
  identity: IdentityCore;
  /** A unique tag for this test file: use it in names so files never collide. */
  tag: string;
  queueBackend: QueueBackend;
  close(): Promise<void>;
}

/** the queue prefix (and search namespace) of files that do not pick their own */
const DEFAULT_QUEUE_PREFIX = loadConfig({}).queuePrefix;

export function testConfig(overrides: Record<string, string> = {}): Config {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    APP_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
    DATA_DIR: '/tmp/techex-test-data',
    OUTBOX_SWEEP_MS: '200',
    // the search engine under test: Meilisearch when the run has MEILI_URL, embedded otherwise
    MEILI_URL: inject('meiliUrl'),
    MEILI_MASTER_KEY: inject('meiliKey'),
    ...overrides,
  });
  // Test apps share one Redis: each gets rate-limit counters of its own, as it has its own queues.
  const namespace = `${config.queuePrefix}-rl-${randomBytes(4).toString('hex')}-`;
  return Object.freeze({ ...config, rateLimit: { ...config.rateLimit, namespace } });
}

/** A queue namespace of its own for each test file: a Redis prefix or a PostgreSQL schema. */
export function testQueueBackend(tag: string): QueueBackend {
  const redisUrl = inject('redisUrl');
  return redisUrl
    ? { kind: 'redis', url: redisUrl, prefix: `t${tag}` }
    : { kind: 'postgres', connectionString: inject('databaseUrl'), schema: `t${tag}_bullmq` };
}

export async function createTestContext(
  overrides: Record<string, string> = {},
  opts: { outboxQueues?: string[] } = {},
): Promise<TestContext> {
  const tag = randomBytes(4).toString('hex');
  const config = testConfig(overrides);
  const logger = pino({ level: 'silent' });
  const database = createDatabase(config.databaseUrl!, { max: 5 });
  const queueBackend = testQueueBackend(tag);
  const queues = createQueueFactory(queueBackend, logger);
  // A file that starts the sweeping dispatcher should name its queues, so it never hands another
  // file's pending jobs to its own queue namespace.
  const outbox = createOutboxDispatcher({
    db: database.db,
    queues,
    logger,
    sweepMs: 200,
    onlyQueues: opts.outboxQueues,
  });
  const secrets = { appSecret: config.appSecret!, embeddedDbPassword: 'unused' };
  const identity = createIdentityCore(database.db, config, secrets.appSecret);
  await identity.keys.ensureKey();
  return {
    tag,
    identity,
    authenticator: identity.tokens.authenticator,
    queueBackend,
    config,
    database,
    queues,
    outbox,
    secrets,
    cursors: createCursorCodec(secrets.appSecret),
    metrics: createMetrics({ defaultMetrics: false }),
    logger,
    readinessChecks: {},
    async close() {
      await outbox.stop();
      await queues.close();
      await database.close();
      // a file with a search namespace of its own leaves no Meilisearch index behind
      if (config.meili && config.queuePrefix !== DEFAULT_QUEUE_PREFIX) {
        const meili = new MeiliSearchEngine({
          url: config.meili.url,
          apiKey: config.meili.masterKey,
          indexPrefix: config.queuePrefix,
        });
        await meili.dropIndexes().catch(() => undefined);
      }
    },
  };
}

/**
 * The modules that register app-wide plugins (the rate limiter), as in production; named here
 * rather than loading every module into every test file (kit.test.ts keeps the list complete).
 */
export const PLUGIN_MODULES: ModuleDefinition[] = [integrationModule];

export async function buildTestApp(
  ctx: ModuleContext,
  modules: ModuleRoutes[] = [],
): Promise<FastifyInstance> {
  // The modules' app-wide plugins as in production, whatever routes the test binds.
  const app = await buildApp(
    ctx,
    modules,
    PLUGIN_MODULES.flatMap((m) => m.plugins ?? []),
  );
  await app.ready();
  return app;
}
