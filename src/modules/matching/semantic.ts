/**
 * Optional semantic retrieval (EMBEDDINGS_URL): listings are embedded as the indexer indexes them,
 * and a match query embeds its subject and asks for the nearest listings, which fusion.ts mixes
 * with the lexical ranking.
 *
 * Never in the way of the lexical path:
 * - indexing: the indexer hands over what it just indexed (`schedule`) and goes on; vectors are
 *   made in the background, in batches of MAX_BATCH, only for text whose hash changed. When the
 *   provider fails, the documents stay indexed without vectors and are retried in this process
 *   with backoff (`RETRY_MIN_MS` doubling to `RETRY_MAX_MS`); a restart forgets the retries, and
 *   the document's next change or `techex reindex` fills them.
 * - queries: one call with a short timeout; on any failure the list is ranked lexically, a warning
 *   is logged, and queries skip the provider for `PAUSE_AFTER_FAILURE_MS` (no request storm
 *   against a provider that is down).
 * Listings (achievements, needs) only: experts and institutions are matched lexically.
 */
import type { Config, EmbeddingsConfig } from '../../platform/config.js';
import type { Db } from '../../platform/db.js';
import type { ModuleContext } from '../../platform/module.js';
import {
  contentHash,
  createEmbeddingsClient,
  type EmbeddingsClient,
  embeddingText,
  INDEX_TIMEOUT_MS,
  MAX_BATCH,
  QUERY_TIMEOUT_MS,
} from './embeddings.js';
import { EmbeddingsStore, type Neighbour, type StoredVector } from './embeddings-store.js';
import type { DocumentType, SearchDocument, SearchEngine } from './engine.js';
import { searchEngineFor } from './engine-instance.js';
import type { SemanticRetriever } from './fusion.js';
import { MeiliSearchEngine } from './meili-engine.js';
import { type EngineVectors, VECTOR_TYPES } from './meili-vectors.js';
import { RANKING_VERSION } from './ranking.js';

export const RETRY_MIN_MS = 2000;
export const RETRY_MAX_MS = 5 * 60_000;
export const PAUSE_AFTER_FAILURE_MS = 10_000;
/**
 * Documents per type held waiting for a vector (their text, ≤ 2,000 characters each): beyond it a
 * long outage drops the newest (logged); their next change or `techex reindex` embeds them.
 */
export const MAX_PENDING = 10_000;
/** Semantic neighbours fused with the lexical list. */
export const NEIGHBOURS = 50;

const EMBEDDED_TYPES = VECTOR_TYPES;
/** Stored vectors read and pushed at a time when an embedder is (re)created on the engine. */
const REPUSH_PAGE = 1000;

export { embeddingText } from './embeddings.js';

/** `bm25f-2026.12e-emb:<model>` within the 64 characters an interest's origin allows. */
export function semanticRankingVersion(model: string): string {
  const safe = model.replace(/[^A-Za-z0-9._:-]/g, '_');
  return `${RANKING_VERSION}-emb:${safe}`.slice(0, 64);
}

interface Pending {
  text: string;
  hash: string;
  /** made and stored in PostgreSQL, not yet in the engine's document (Meilisearch) */
  vector?: number[];
}

export interface SemanticIndexOptions {
  /** default PAUSE_AFTER_FAILURE_MS; tests of successive failures use 0 */
  pauseAfterFailureMs?: number;
  /** default RETRY_MIN_MS */
  retryMinMs?: number;
  /**
   * The engine's own vector store, when it has one (Meilisearch: meili-vectors.ts): vectors are
   * pushed into its documents and neighbours searched there; otherwise (embedded engine) they are
   * searched in this process over PostgreSQL's copy (embeddings-store.ts).
   */
  engineVectors?: () => Promise<EngineVectors | undefined>;
}

export class SemanticIndex implements SemanticRetriever {
  readonly rankingVersion: string;
  readonly weight: number;
  readonly minSimilarity: number;
  readonly store: EmbeddingsStore;
  /** documents waiting for a vector, per type (newest text wins) */
  readonly #pending = new Map<DocumentType, Map<string, Pending>>();
  #chain: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #pausedUntil = 0;
  #closed = false;
  /** types whose engine embedder this process has checked against the stored vectors */
  readonly #synced = new Set<DocumentType>();

  constructor(
    db: Db,
    namespace: string,
    private readonly client: EmbeddingsClient,
    private readonly config: Pick<EmbeddingsConfig, 'weight' | 'minSimilarity'> &
      Partial<Pick<EmbeddingsConfig, 'dimensions'>>,
    private readonly logger: { warn(obj: object, msg: string): void },
    private readonly opts: SemanticIndexOptions = {},
  ) {
    this.store = new EmbeddingsStore(db, namespace, client.model);
    this.rankingVersion = semanticRankingVersion(client.model);
    this.weight = config.weight;
    this.minSimilarity = config.minSimilarity;
    this.#retryMs = opts.retryMinMs ?? RETRY_MIN_MS;
  }

  /**
   * Brings the vectors of these documents in line with what was just indexed (a document
   * undefined: removed), in the background. Never throws.
   */
  schedule(type: DocumentType, docs: Map<string, SearchDocument | undefined>): void {
    if (!EMBEDDED_TYPES.includes(type) || docs.size === 0 || this.#closed) return;
    const removed: string[] = [];
    const pending = this.#pendingOf(type);
    let dropped = 0;
    for (const [id, doc] of docs) {
      if (!doc) {
        removed.push(id);
        pending.delete(id);
        continue;
      }
      if (pending.size >= MAX_PENDING && !pending.has(id)) {
        dropped++;
        continue;
      }
      const text = embeddingText(doc);
      pending.set(id, { text, hash: this.#hash(text) });
    }
    if (dropped > 0) {
      this.logger.warn(
        { type, dropped, waiting: pending.size },
        'embeddings: too many listings waiting for a vector; these wait for their next change or a reindex',
      );
    }
    this.#enqueue(async () => {
      await this.store.remove(type, removed);
      await this.#fill(type);
    });
  }

  /**
   * Makes sure the engine's embedder exists for the stored vectors (a new or wiped Meilisearch
   * holds the vectors in its documents but no embedder): recreated and every stored vector pushed
   * again when it was missing (`techex reindex`; a process also does it before its first fill).
   */
  syncEngine(types: readonly DocumentType[] = EMBEDDED_TYPES): Promise<void> {
    for (const type of types) {
      this.#synced.delete(type);
      this.#enqueue(async () => {
        const engine = await this.opts.engineVectors?.();
        if (engine) await this.#sync(engine, type);
      });
    }
    return this.flush();
  }

  /** Resolves when the work scheduled so far has run (reindex, tests). */
  flush(): Promise<void> {
    return this.#chain;
  }

  /** Documents of `type` still waiting for a vector in this process. */
  waiting(type: DocumentType): number {
    return this.#pending.get(type)?.size ?? 0;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
  }

  async nearest(
    type: DocumentType,
    subject: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>,
  ): Promise<Neighbour[] | undefined> {
    if (!EMBEDDED_TYPES.includes(type)) return undefined;
    if (Date.now() < this.#pausedUntil) return undefined;
    try {
      const [[vector], engine] = await Promise.all([
        this.client.embed([embeddingText(subject)], { timeoutMs: QUERY_TIMEOUT_MS }),
        this.opts.engineVectors?.(),
      ]);
      return engine
        ? await engine.nearest(type, vector!, NEIGHBOURS, this.minSimilarity)
        : await this.store.nearest(type, vector!, NEIGHBOURS, this.minSimilarity);
    } catch (err) {
      this.#pausedUntil = Date.now() + (this.opts.pauseAfterFailureMs ?? PAUSE_AFTER_FAILURE_MS);
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err), type },
        'embeddings unavailable for a match query; ranked lexically',
      );
      return undefined;
    }
  }

  #hash(text: string): string {
    return contentHash({ model: this.client.model, dimensions: this.config.dimensions }, text);
  }

  #pendingOf(type: DocumentType): Map<string, Pending> {
    let p = this.#pending.get(type);
    if (!p) {
      p = new Map();
      this.#pending.set(type, p);
    }
    return p;
  }

  #enqueue(work: () => Promise<void>): void {
    this.#chain = this.#chain.then(work).catch((err: unknown) => {
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'embeddings: storing vectors failed; retried later',
      );
      this.#retryLater();
    });
  }

  /** Embeds what is pending for `type`, batch by batch; stops at the first failure (retried later). */
  async #fill(type: DocumentType): Promise<void> {
    const engine = await this.opts.engineVectors?.();
    if (engine) await this.#sync(engine, type);
    const pending = this.#pendingOf(type);
    const stored = await this.store.hashes(type, [...pending.keys()]);
    // unchanged text: its vector went into the engine's document with it (create-engine.ts)
    for (const [id, p] of pending) if (!p.vector && stored.get(id) === p.hash) pending.delete(id);
    if (engine) {
      // made and stored before the engine failed: pushed now, not embedded again
      const made = [...pending].filter(([id, p]) => p.vector && stored.get(id) === p.hash);
      if (made.length > 0) {
        await this.#push(
          engine,
          type,
          made.map(([id, p]) => ({ id, vector: p.vector! })),
        );
        for (const [id, p] of made) if (pending.get(id) === p) pending.delete(id);
      }
    }
    while (pending.size > 0 && !this.#closed) {
      const batch = [...pending.entries()].slice(0, MAX_BATCH);
      let vectors: number[][];
      try {
        vectors = await this.client.embed(
          batch.map(([, p]) => p.text),
          { timeoutMs: INDEX_TIMEOUT_MS },
        );
      } catch (err) {
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err), type, waiting: pending.size },
          'embeddings provider failed while indexing; documents stay indexed without vectors, retried later',
        );
        this.#retryLater();
        return;
      }
      const rows = batch.map(([id, p], i) => ({ id, contentHash: p.hash, vector: vectors[i]! }));
      await this.store.save(type, rows);
      if (engine) {
        batch.forEach(([, p], i) => {
          p.vector = vectors[i]!;
        });
        await this.#push(engine, type, rows);
      }
      // a newer text scheduled meanwhile stays pending
      for (const [id, p] of batch) if (pending.get(id) === p) pending.delete(id);
    }
    this.#retryMs = this.opts.retryMinMs ?? RETRY_MIN_MS;
  }

  async #sync(engine: EngineVectors, type: DocumentType): Promise<void> {
    if (this.#synced.has(type)) return;
    const [first] = await this.store.page(type, undefined, 1);
    if (first) await this.#ensureEmbedder(engine, type, first.vector.length);
    this.#synced.add(type);
  }

  /** Into the engine's documents; all stored vectors again when its embedder was (re)created. */
  async #push(engine: EngineVectors, type: DocumentType, rows: Pick<StoredVector, 'id' | 'vector'>[]) {
    await this.#ensureEmbedder(engine, type, rows[0]!.vector.length);
    await engine.put(type, rows);
  }

  async #ensureEmbedder(engine: EngineVectors, type: DocumentType, dims: number): Promise<void> {
    if (await engine.ensureEmbedder(type, dims)) {
      for (let after: string | undefined; ; ) {
        const page = await this.store.page(type, after, REPUSH_PAGE);
        await engine.put(
          type,
          page.filter((r) => r.vector.length === dims),
        );
        if (page.length < REPUSH_PAGE) break;
        after = page[page.length - 1]!.id;
      }
    }
  }

  #retryLater(): void {
    if (this.#retryTimer || this.#closed) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      for (const type of this.#pending.keys()) this.#enqueue(() => this.#fill(type));
    }, delay);
    this.#retryTimer.unref();
  }
}

/** One semantic index per database, like the search engine; undefined when EMBEDDINGS_URL is unset. */
const indexes = new WeakMap<object, SemanticIndex>();

export function semanticIndexFor(
  ctx: Pick<ModuleContext, 'database' | 'logger'> & { config: Config },
  /** the engine in use, when not the process's one (`techex reindex`) */
  engine?: SearchEngine,
): SemanticIndex | undefined {
  const config = ctx.config.embeddings;
  if (!config) return undefined;
  let index = indexes.get(ctx.database);
  if (!index) {
    index = new SemanticIndex(
      ctx.database.db,
      ctx.config.queuePrefix,
      createEmbeddingsClient(config),
      config,
      ctx.logger.child({ component: 'embeddings' }),
      {
        engineVectors: async () => {
          const current = engine ?? (await searchEngineFor(ctx));
          return current instanceof MeiliSearchEngine ? current.vectors : undefined;
        },
      },
    );
    indexes.set(ctx.database, index);
  }
  return index;
}
