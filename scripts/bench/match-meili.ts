/**
 * The same API measured on Meilisearch (bench-match.ts, when MEILI_URL is set): a second app on the
 * same database whose configuration names Meilisearch, its index filled by the indexer's own code
 * (`applyListing`) from the listings already published, then queried through app.inject.
 */
import { MODULES } from '../../src/modules/index.js';
import { searchEngineFor } from '../../src/modules/matching/engine-instance.js';
import { applyListing } from '../../src/modules/matching/index-apply.js';
import { createDatabase } from '../../src/platform/db.js';
import { buildApp, type ModuleContext } from '../../src/platform/http/app.js';
import type { Runtime } from '../../src/platform/runtime.js';
import type { Devset } from '../data/match-devset/index.js';
import { apiRanker, type LoadedDevset } from './match-api.js';
import { quality } from './match-quality.js';

export async function meiliQuality(
  runtime: Runtime,
  meili: { url: string; masterKey: string | undefined },
  devset: Devset,
  loaded: LoadedDevset,
) {
  // a database object of its own: engines are kept per database (engine-instance.ts)
  const database = createDatabase(runtime.ctx.database.pool.options.connectionString!, { max: 4 });
  const ctx: ModuleContext = { ...runtime.ctx, database, config: { ...runtime.config, meili } };
  const app = await buildApp(
    ctx,
    MODULES.flatMap((m) => (m.routes ? [m.routes] : [])),
    MODULES.flatMap((m) => m.plugins ?? []),
  );
  try {
    const engine = await searchEngineFor(ctx);
    await engine.reset();
    for (const [id] of loaded.externalIdOf) {
      const type = loaded.needIdOf.has(loaded.externalIdOf.get(id)!) ? 'need' : 'achievement';
      await applyListing(database.db, engine, { type, id, change: 'published' });
    }
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url });
      if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
      return res.json() as { items: { id: string }[] };
    };
    const result = await quality(
      devset,
      'meilisearch, API: ranking (text + structured fit)',
      apiRanker(loaded, get),
    );
    await engine.reset();
    return result;
  } finally {
    await app.close();
    await database.close();
  }
}
