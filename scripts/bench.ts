/**
 * `npm run bench`: HTTP scenarios against techex on embedded defaults (or DATABASE_URL /
 * REDIS_URL when set), each beside a bare Fastify server doing the same I/O in the same run.
 * Options: BENCH_DURATION (seconds per measurement, default 5: compared scenarios split it into
 * rounds of half that for subject and baseline each), BENCH_ROUNDS (default 5; the median ratio
 * is reported), BENCH_CONNECTIONS (default 32), BENCH_ONLY (substring filter on scenario names).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import { MODULES } from '../src/modules/index.js';
import { loadConfig } from '../src/platform/config.js';
import { startRuntime } from '../src/platform/runtime.js';
import { authScenario } from './bench/auth.js';
import { catalogScenarios } from './bench/catalog.js';
import { contractsScenario } from './bench/contracts.js';
import { compare, type Row, report } from './bench/harness.js';

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bench-'));
await fs.chmod(dataDir, 0o755);
const config = loadConfig({
  ...process.env,
  PORT: '0',
  LOG_LEVEL: 'silent',
  DATA_DIR: dataDir,
  SEED_DEMO: 'false',
  // The load generator is one client: do not let the per-client rate limit shape the numbers.
  RATE_LIMIT_MAX: '1000000',
});
const runtime = await startRuntime(config, { api: true, workers: true, modules: MODULES });
const app = runtime.app!;
const port = (app.server.address() as { port: number }).port;
const base = `http://127.0.0.1:${port}`;

// The baseline: a bare Fastify server on the same database, no plugins.
const pool = new pg.Pool({ connectionString: runtime.ctx.database.pool.options.connectionString, max: 10 });
const bare = Fastify();
bare.get('/healthz', async () => ({ status: 'ok' }));
bare.get('/db', async () => (await pool.query('SELECT 1 AS ok')).rows[0]);
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareBase = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

interface Scenario {
  name: string;
  target?: number;
  run(): Promise<Row>;
}

const scenarios: Scenario[] = [
  {
    name: 'GET /healthz (full plugin stack) vs bare Fastify',
    run() {
      return compare(this.name, { url: `${base}/healthz` }, { url: `${bareBase}/healthz` });
    },
  },
  {
    name: 'GET /readyz (database + queue) vs bare SELECT 1',
    run() {
      return compare(this.name, { url: `${base}/readyz` }, { url: `${bareBase}/db` });
    },
  },
];

scenarios.push(authScenario({ base, ctx: runtime.ctx }));
const catalog = await catalogScenarios({ runtime, base });
scenarios.push(...catalog.scenarios);
scenarios.push(contractsScenario(runtime.ctx));

const only = process.env.BENCH_ONLY;
const rows: Row[] = [];
try {
  for (const s of scenarios) {
    if (only && !s.name.includes(only)) continue;
    process.stdout.write(`running: ${s.name}\n`);
    rows.push(await s.run());
  }
  report(rows);
} finally {
  await catalog.close();
  await bare.close();
  await pool.end();
  await runtime.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
