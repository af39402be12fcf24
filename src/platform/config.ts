import path from 'node:path';
import { z } from 'zod';

/**
 * The service's whole configuration, read once from the environment, validated and frozen.
 * Nothing else in the code reads process.env (STYLE.md): modules receive what they need.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}:`).join(' or ')}`,
    });

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: url(['http', 'https']).optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.optional(),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,30}$/)
    .default('techex'),
  MEILI_URL: url(['http', 'https']).optional(),
  MEILI_MASTER_KEY: z.string().min(16).optional(),
  CORS_ORIGINS: csv.default([]),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** A request (headers and body) must arrive within this time, or the server answers 408. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  TRUST_PROXY: bool.default(false),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  /** GET /healthz fails once the database has been unreachable this long, so a supervisor restarts the process. */
  LIVENESS_DATABASE_GRACE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** Master secret for keyed hashes and field encryption; generated into DATA_DIR outside production. */
  APP_SECRET: z.string().min(32).optional(),
  SEED_DEMO: bool.optional(),
  /** Allow webhook targets on private, loopback or link-local addresses (tests, closed networks). */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default(false),
  /** Days the webhook delivery log and events are kept (pending and retrying deliveries always). */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).max(1_000_000).default(600),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /** Optional semantic retrieval (matching/embeddings.ts): an OpenAI-compatible embeddings API. */
  EMBEDDINGS_URL: url(['http', 'https']).optional(),
  EMBEDDINGS_MODEL: z.string().min(1).max(200).optional(),
  EMBEDDINGS_API_KEY: z.string().min(1).max(4096).optional(),
  /** asked of the provider (`dimensions`) and checked on every vector; unset: the model's own */
  EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(8).max(4096).optional(),
  /** the semantic list's weight in reciprocal rank fusion, the lexical list's being 1 */
  EMBEDDINGS_WEIGHT: z.coerce.number().min(0).max(4).default(0.5),
  /** cosine similarity below which a neighbour is no semantic match */
  EMBEDDINGS_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).default(0.5),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly logPretty: boolean;
  readonly databaseUrl: string | undefined;
  readonly databasePoolMax: number;
  readonly redisUrl: string | undefined;
  readonly queuePrefix: string;
  readonly meili: { readonly url: string; readonly masterKey: string | undefined } | undefined;
  readonly corsOrigins: readonly string[];
  readonly bodyLimit: number;
  readonly requestTimeoutMs: number;
  readonly trustProxy: boolean;
  readonly workerConcurrency: number;
  readonly outboxSweepMs: number;
  readonly shutdownTimeoutMs: number;
  /** How long the database may stay unreachable before GET /healthz answers 503. */
  readonly livenessDatabaseGraceMs: number;
  readonly appSecret: string | undefined;
  readonly seedDemo: boolean;
  readonly webhookAllowPrivateTargets: boolean;
  readonly webhookRetentionDays: number;
  /** Requests per caller (principal, else IP) and window; `namespace` prefixes the Redis counters. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number; readonly namespace: string };
  /** true when no DATABASE_URL is set: PostgreSQL runs embedded under DATA_DIR. */
  readonly embedded: boolean;
  /** Semantic retrieval for matches; undefined (off) unless EMBEDDINGS_URL is set. */
  readonly embeddings: EmbeddingsConfig | undefined;
}

export interface EmbeddingsConfig {
  /**
   * the endpoint POSTed to: the URL itself when it ends in /embeddings, `<URL>/embeddings` when
   * it ends in /v1, `<URL>/v1/embeddings` otherwise
   */
  readonly endpoint: string;
  readonly model: string;
  /** sent as a bearer token; never logged */
  readonly apiKey: string | undefined;
  readonly dimensions: number | undefined;
  readonly weight: number;
  readonly minSimilarity: number;
}

/** The endpoint of an embeddings base URL (see EmbeddingsConfig.endpoint). */
export function embeddingsEndpoint(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  if (/\/embeddings$/.test(trimmed)) return trimmed;
  // an OpenAI-style base URL (https://api.openai.com/v1) is given its path, not a second /v1
  return /\/v1$/.test(trimmed) ? `${trimmed}/embeddings` : `${trimmed}/v1/embeddings`;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as docker-compose passes `VAR=` for blanks.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k in envSchema.shape && v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  const e = parsed.data;
  const problems: { variable: string; message: string }[] = [];
  if (e.NODE_ENV === 'production') {
    if (!e.APP_SECRET) problems.push({ variable: 'APP_SECRET', message: 'required in production' });
    if (!e.DATABASE_URL) problems.push({ variable: 'DATABASE_URL', message: 'required in production' });
    if (!e.PUBLIC_URL) problems.push({ variable: 'PUBLIC_URL', message: 'required in production' });
  }
  if (e.MEILI_URL && e.NODE_ENV === 'production' && !e.MEILI_MASTER_KEY) {
    problems.push({ variable: 'MEILI_MASTER_KEY', message: 'required with MEILI_URL in production' });
  }
  if (e.EMBEDDINGS_URL && !e.EMBEDDINGS_MODEL) {
    problems.push({ variable: 'EMBEDDINGS_MODEL', message: 'required with EMBEDDINGS_URL' });
  }
  for (const v of ['EMBEDDINGS_MODEL', 'EMBEDDINGS_API_KEY', 'EMBEDDINGS_DIMENSIONS'] as const) {
    if (e[v] !== undefined && !e.EMBEDDINGS_URL) {
      problems.push({ variable: v, message: 'has no effect without EMBEDDINGS_URL; set both or neither' });
    }
  }
  if (problems.length) throw new ConfigError(problems);

  const config: Config = {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY ?? false,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    meili: e.MEILI_URL ? { url: e.MEILI_URL, masterKey: e.MEILI_MASTER_KEY } : undefined,
    corsOrigins: e.CORS_ORIGINS,
    bodyLimit: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY,
    workerConcurrency: e.WORKER_CONCURRENCY,
    outboxSweepMs: e.OUTBOX_SWEEP_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    livenessDatabaseGraceMs: e.LIVENESS_DATABASE_GRACE_MS,
    appSecret: e.APP_SECRET,
    seedDemo: e.SEED_DEMO ?? (!e.DATABASE_URL && e.NODE_ENV !== 'production'),
    webhookAllowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookRetentionDays: e.WEBHOOK_RETENTION_DAYS,
    rateLimit: {
      max: e.RATE_LIMIT_MAX,
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      namespace: `${e.QUEUE_PREFIX}-rl-`,
    },
    embedded: !e.DATABASE_URL,
    embeddings:
      e.EMBEDDINGS_URL && e.EMBEDDINGS_MODEL
        ? Object.freeze({
            endpoint: embeddingsEndpoint(e.EMBEDDINGS_URL),
            model: e.EMBEDDINGS_MODEL,
            apiKey: e.EMBEDDINGS_API_KEY,
            dimensions: e.EMBEDDINGS_DIMENSIONS,
            weight: e.EMBEDDINGS_WEIGHT,
            minSimilarity: e.EMBEDDINGS_MIN_SIMILARITY,
          })
        : undefined,
  };
  return Object.freeze(config);
}

/** The environment variables the service understands (docker-compose is checked against it). */
export const KNOWN_ENV_VARS: readonly string[] = Object.freeze(Object.keys(envSchema.shape));
