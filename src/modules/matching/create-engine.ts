/**
 * Picks the search engine once, at start-up, from configuration (ARCHITECTURE.md): Meilisearch
 * when MEILI_URL is set, the embedded PostgreSQL engine otherwise.
 */
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db.js';
import { EmbeddedSearchEngine } from './embedded-engine.js';
import { contentHash, embeddingText } from './embeddings.js';
import { EmbeddingsStore } from './embeddings-store.js';
import type { SearchEngine } from './engine.js';
import { MeiliSearchEngine, MeiliVersionError } from './meili-engine.js';
import { embedderName, type MeiliEmbeddingsOptions } from './meili-vectors.js';

export interface SearchEngineOptions {
  /** embedded namespace or Meilisearch index prefix; default: the queue prefix ('techex') */
  namespace?: string;
}

export function createSearchEngine(
  config: Pick<Config, 'meili' | 'queuePrefix'> & Partial<Pick<Config, 'embeddings'>>,
  database: Database,
  opts: SearchEngineOptions = {},
): SearchEngine {
  const namespace = opts.namespace ?? config.queuePrefix;
  if (config.meili) {
    return new MeiliSearchEngine({
      url: config.meili.url,
      apiKey: config.meili.masterKey,
      indexPrefix: namespace,
      embeddings: config.embeddings && meiliEmbeddings(config.embeddings, database, namespace),
    });
  }
  return new EmbeddedSearchEngine(database, { namespace });
}

/**
 * With embeddings on Meilisearch the vectors live in the documents: each document written carries
 * the vector stored in PostgreSQL for its current text (semantic.ts keeps that store), so a
 * reindex or a re-upsert keeps or restores it without asking the provider.
 */
function meiliEmbeddings(
  config: NonNullable<Config['embeddings']>,
  database: Database,
  namespace: string,
): MeiliEmbeddingsOptions {
  const store = new EmbeddingsStore(database.db, namespace, config.model);
  return {
    name: embedderName(config.model, config.dimensions),
    dimensions: config.dimensions,
    async stored(type, docs) {
      const rows = await store.vectors(
        type,
        docs.map((d) => d.id),
      );
      const out = new Map<string, number[]>();
      for (const doc of docs) {
        const row = rows.get(doc.id);
        if (row && row.contentHash === contentHash(config, embeddingText(doc))) out.set(doc.id, row.vector);
      }
      return out;
    },
  };
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
