import type { ModuleContext } from '../../platform/http/app.js';
import { createSearchEngine } from './create-engine.js';
import type { SearchEngine } from './engine.js';

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
    entry = { engine, ready: engine.ensureSetup() };
    engines.set(ctx.database, entry);
    // a failed set-up is retried by the next caller rather than cached forever
    entry.ready.catch(() => engines.delete(ctx.database));
  }
  await entry.ready;
  return entry.engine;
}
