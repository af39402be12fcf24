import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors.js';
import { hasMessage, message } from '../messages.js';
import type { ModuleContext } from '../module.js';
import { loadOpenApi } from '../openapi.js';
import { withTimeout } from '../queue.js';
import { bindOperations, sendJson } from './operations.js';

type Check = {
  status: 'ok' | 'warning' | 'error' | 'skipped';
  latencyMs?: number;
  error?: string;
  warning?: string;
};

/** A check that resolves to `{ warning }` passes with a warning: ready, but an operator should act. */
async function probe(fn: () => Promise<unknown>): Promise<Check> {
  const start = performance.now();
  try {
    const result = (await withTimeout(fn(), 2000, 'check')) as { warning?: unknown } | undefined;
    const latencyMs = Math.round((performance.now() - start) * 10) / 10;
    if (typeof result?.warning === 'string') return { status: 'warning', latencyMs, warning: result.warning };
    return { status: 'ok', latencyMs };
  } catch (err) {
    // Readiness is public: say what failed, not why in detail.
    return {
      status: 'error',
      error: (err as Error).message?.includes('timed out') ? 'timeout' : 'unreachable',
    };
  }
}

/**
 * Liveness follows the database: when it has been unreachable for longer than the grace period
 * the process cannot heal by itself (e.g. its embedded PostgreSQL was stopped), so /healthz fails
 * and a supervisor restarts it. Probes run in the background, at most one every two seconds, so a
 * liveness answer never waits on the database.
 */
function databaseWatch(check: () => Promise<unknown>, graceMs: number) {
  let failingSince: number | undefined;
  let lastProbe = 0;
  let probing = false;
  const record = (ok: boolean) => {
    if (ok) failingSince = undefined;
    else failingSince ??= Date.now();
  };
  return {
    record,
    /** Milliseconds the database has been unreachable beyond the grace period, or 0. */
    overdue(): number {
      const now = Date.now();
      if (!probing && now - lastProbe >= 2000) {
        probing = true;
        lastProbe = now;
        withTimeout(check(), 2000, 'database')
          .then(
            () => record(true),
            () => record(false),
          )
          .finally(() => {
            probing = false;
          });
      }
      return failingSince !== undefined && now - failingSince > graceMs ? now - failingSince : 0;
    },
  };
}

export async function platformRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const specJson = JSON.stringify(loadOpenApi());
  ctx.metrics.addQueueCollector(() => ctx.queues.depths());

  const selectOne = () => ctx.database.db.execute(sql`SELECT 1`);
  const db = databaseWatch(selectOne, ctx.config.livenessDatabaseGraceMs);

  bindOperations(app, {
    getHealth: async (_req, reply) => {
      const down = db.overdue();
      if (down) {
        return reply
          .code(503)
          .send({ status: 'failing', reason: `database unreachable for ${Math.round(down / 1000)} s` });
      }
      return { status: 'ok' };
    },
    getReadiness: async (_req, reply) => {
      const database = await probe(selectOne);
      db.record(database.status === 'ok');
      const checks: Record<string, Check> = {
        database,
        queue: await probe(() => ctx.queues.ping()),
      };
      for (const [name, fn] of Object.entries(ctx.readinessChecks)) checks[name] = await probe(fn);
      if (!('search' in checks)) checks.search = { status: 'skipped' };
      const ok = Object.values(checks).every((c) => c.status !== 'error');
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
    },
    getMetrics: async (_req, reply) => {
      const body = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(body);
    },
    getOpenApiDocument: async (_req, reply) => sendJson(reply, specJson),
    getProblemType: async (req) => {
      const { code } = req.params;
      if (!hasMessage(code)) throw new NotFoundError();
      return {
        type: `/problems/${code}`,
        title: { 'zh-CN': message(code, 'zh-CN').title, en: message(code, 'en').title },
      };
    },
  });
}
