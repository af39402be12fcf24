import type { ModuleContext } from '../../platform/module.js';
import { createSearchEngine } from './create-engine.js';
import type { SearchEngine } from './engine.js';
import { applyStoredSynonyms } from './synonym-store.js';

/**
 * One search engine per database (the API routes and the indexer workers of a process share
 * it), set up once. Tests get their own through their own context.
 */
const engines = new WeakMap<object, { engine: SearchEngine; ready: Promise<void> }>();

export async function searchEngineFor(
  ctx: Pick<ModuleContext, 'config' | 'database'>,
): Promise<SearchEngine> {
  let entry = engines.get(ctx.database);
  if (!entry) {
    const engine = createSearchEngine(ctx.config, ctx.database);
    // the operators' thesaurus is kept in the database (synonym-store.ts); the engine's default
    // namespace is the queue prefix, as in createSearchEngine
    const ready = engine
      .ensureSetup()
      .then(() => applyStoredSynonyms(engine, ctx.database.db, ctx.config.queuePrefix));
    entry = { engine, ready };
    engines.set(ctx.database, entry);
    // a failed set-up is retried by the next caller rather than cached forever
    entry.ready.catch(() => engines.delete(ctx.database));
  }
  await entry.ready;
  return entry.engine;
}

/**
 * Makes `searchEngineFor` hand out this engine for this database (tests wrap the real engine to
 * watch what reaches it); set up like the configured one.
 */
export function useSearchEngine(database: object, engine: SearchEngine): void {
  const entry = { engine, ready: engine.ensureSetup() };
  engines.set(database, entry);
  entry.ready.catch(() => engines.delete(database));
}
