import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors.js';
import { hasMessage, message } from '../messages.js';
import { loadOpenApi } from '../openapi.js';
import { withTimeout } from '../queue.js';
import type { ModuleContext } from './app.js';
import { bindOperations } from './operations.js';

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

export async function platformRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const specJson = JSON.stringify(loadOpenApi());
  ctx.metrics.addQueueCollector(() => ctx.queues.depths());

  bindOperations(app, {
    getHealth: async () => ({ status: 'ok' }),
    getReadiness: async (_req, reply) => {
      const checks: Record<string, Check> = {
        database: await probe(() => ctx.database.db.execute(sql`SELECT 1`)),
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
    getOpenApiDocument: async (_req, reply) => reply.type('application/json; charset=utf-8').send(specJson),
    getProblemType: async (req: FastifyRequest<{ Params: { code: string } }>) => {
      const { code } = req.params;
      if (!hasMessage(code)) throw new NotFoundError();
      return {
        type: `/problems/${code}`,
        title: { 'zh-CN': message(code, 'zh-CN').title, en: message(code, 'en').title },
      };
    },
  });
}
