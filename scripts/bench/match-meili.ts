/**
 * The same API on Meilisearch (bench-match.ts, when MEILI_URL is set): a second app on the same
 * database whose configuration names Meilisearch, its index rebuilt by `reindex` from the listings
 * already published (the judged sets and the demo catalog), then queried through app.inject.
 */
import { MODULES } from '../../src/modules/index.js';
import { searchEngineFor } from '../../src/modules/matching/engine-instance.js';
import { reindex } from '../../src/modules/matching/reindex.js';
import { createDatabase } from '../../src/platform/db.js';
import { buildApp } from '../../src/platform/http/app.js';
import type { ModuleContext } from '../../src/platform/module.js';
import type { Runtime } from '../../src/platform/runtime.js';

export async function meiliApi(runtime: Runtime, meili: { url: string; masterKey: string | undefined }) {
  // a database object of its own: engines are kept per database (engine-instance.ts)
  const database = createDatabase(runtime.ctx.database.pool.options.connectionString!, { max: 4 });
  const ctx: ModuleContext = { ...runtime.ctx, database, config: { ...runtime.config, meili } };
  // the catalog and matching routes only: other modules register process-wide metrics, which a
  // second app in this process may not register again
  const app = await buildApp(
    ctx,
    MODULES.filter((m) => m.name === 'catalog' || m.name === 'matching').flatMap((m) =>
      m.routes ? [m.routes] : [],
    ),
    MODULES.flatMap((m) => m.plugins ?? []),
  );
  const engine = await searchEngineFor(ctx);
  await engine.reset();
  await reindex(
    { db: database.db, engine, namespace: ctx.config.queuePrefix },
    { types: ['achievement', 'need'] },
  );
  return {
    async get(url: string) {
      const res = await app.inject({ method: 'GET', url });
      if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
      return res.json() as { items: { id: string }[] };
    },
    async close() {
      await engine.reset();
      await app.close();
      await database.close();
    },
  };
}
