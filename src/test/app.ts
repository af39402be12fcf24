import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { ModuleRoutes } from '../platform/module.js';
import { buildTestApp, createTestContext, type TestContext } from './context.js';

/**
 * The file's environment overrides, or a function computing them in the kit's `beforeAll`, for
 * settings that depend on something started first (a relay, a server): start it inside the
 * function, and stop it in the file's own `afterAll` (which runs before the kit closes the app).
 */
export type TestEnv =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);

const envOf = async (env: TestEnv | undefined) => (typeof env === 'function' ? await env() : env);

export interface TestApp {
  /** The file's context (its own queues and tag, the real identity core); set before the tests run. */
  readonly ctx: TestContext;
  /** The API with the given routes and the production plugins; set before the tests run. */
  readonly app: FastifyInstance;
}

/**
 * The test file's context and app: created before its tests (in the file's first `beforeAll`,
 * so later hooks may use them) and closed after them, app first. Replaces the
 * create-context / build-app / close block each file used to write out.
 */
export function useTestApp(
  routes: ModuleRoutes[],
  opts: { env?: TestEnv; outboxQueues?: string[] } = {},
): TestApp {
  let ctx: TestContext | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    ctx = await createTestContext(await envOf(opts.env), { outboxQueues: opts.outboxQueues });
    app = await buildTestApp(ctx, routes);
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
  });
  const started = <T>(v: T | undefined, what: string): T => {
    if (!v) throw new Error(`useTestApp: the ${what} is made in beforeAll; use it inside hooks and tests`);
    return v;
  };
  return {
    get ctx() {
      return started(ctx, 'context');
    },
    get app() {
      return started(app, 'app');
    },
  };
}

/**
 * The test file's context alone, for files that call services directly and serve no routes:
 * created in the file's first `beforeAll` and closed after its tests.
 */
export function useTestContext(opts: { env?: TestEnv; outboxQueues?: string[] } = {}): {
  readonly ctx: TestContext;
} {
  let ctx: TestContext | undefined;
  beforeAll(async () => {
    ctx = await createTestContext(await envOf(opts.env), { outboxQueues: opts.outboxQueues });
  });
  afterAll(async () => {
    await ctx?.close();
  });
  return {
    get ctx() {
      if (!ctx)
        throw new Error('useTestContext: the context is made in beforeAll; use it inside hooks and tests');
      return ctx;
    },
  };
}
