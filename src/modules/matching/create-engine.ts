/**
 * Picks the search engine once, at start-up, from configuration (ARCHITECTURE.md): Meilisearch
 * when MEILI_URL is set, the embedded PostgreSQL engine otherwise.
 */
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db.js';
import { EmbeddedSearchEngine } from './embedded-engine.js';
import type { SearchEngine } from './engine.js';
import { MeiliSearchEngine, MeiliVersionError } from './meili-engine.js';

export interface SearchEngineOptions {
  /** embedded namespace or Meilisearch index prefix; default: the queue prefix ('techex') */
  namespace?: string;
}

export function createSearchEngine(
  config: Pick<Config, 'meili' | 'queuePrefix'>,
  database: Database,
  opts: SearchEngineOptions = {},
): SearchEngine {
  const namespace = opts.namespace ?? config.queuePrefix;
  if (config.meili) {
    return new MeiliSearchEngine({
      url: config.meili.url,
      apiKey: config.meili.masterKey,
      indexPrefix: namespace,
    });
  }
  return new EmbeddedSearchEngine(database, { namespace });
}

/** A readiness check for `ModuleContext.readinessChecks` (GET /readyz), named after the engine. */
export function searchReadinessCheck(engine: SearchEngine): Record<string, () => Promise<void>> {
  return { [`search:${engine.kind}`]: () => engine.ping() };
}

/**
 * At start-up: refuses (throws) a Meilisearch older than the release techex is tested with. One
 * that cannot be reached is only logged: searches answer 503 and indexing retries until it is back.
 */
export async function checkSearchEngineAtStart(
  engine: SearchEngine,
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
): Promise<void> {
  if (!(engine instanceof MeiliSearchEngine)) return;
  try {
    logger.info({ version: await engine.checkVersion() }, 'Meilisearch version accepted');
  } catch (err) {
    if (err instanceof MeiliVersionError) throw err;
    logger.warn({ err }, 'Meilisearch unreachable at start-up: searches answer 503, indexing waits for it');
  }
}
