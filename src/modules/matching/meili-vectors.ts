/**
 * Semantic retrieval on Meilisearch (EMBEDDINGS_URL with MEILI_URL): the listings' vectors are
 * kept in the Meilisearch documents as user-provided vectors, and their nearest neighbours are
 * found by Meilisearch's vector search, not in node.
 *
 * - One embedder per listing index, `source: "userProvided"`, named after the model and
 *   EMBEDDINGS_DIMENSIONS (`embedderName`): a change of either is a new embedder, so vectors of
 *   another model or size are never compared with a query's. `setup` (every start) removes any
 *   other embedder, so documents written without its field never fail.
 * - Meilisearch refuses a document without `_vectors.<embedder>` once the embedder exists, and
 *   refuses to create the embedder while a document lacks it. So every listing document carries
 *   the field (its stored vector when the stored hash is the current text's, else `null`:
 *   `documentVectors`), and `ensureEmbedder` first gives `null` to documents written before, then
 *   creates the embedder with the dimensions of the vectors (learned from the first one unless
 *   EMBEDDINGS_DIMENSIONS says), and tells the caller to push the stored vectors again.
 * - Vectors made after a document was indexed are added by a partial update that never creates a
 *   document (`skipCreation`): a listing removed meanwhile does not come back as a stub.
 * - Meilisearch's semantic `_rankingScore` is (1 + cosine) / 2; `nearest` turns it back.
 */
import { createHash } from 'node:crypto';
import type { EnqueuedTaskPromise } from 'meilisearch';
import { type Meilisearch, MeilisearchApiError } from 'meilisearch';
import type { Neighbour, StoredVector } from './embeddings-store.js';
import { type DocumentType, SEARCHABLE_STATUSES, type SearchDocument } from './engine.js';

/** The listing types that have vectors (experts and institutions are matched lexically). */
export const VECTOR_TYPES: readonly DocumentType[] = ['achievement', 'need'];

/** Documents per partial-update task. */
const PUSH_BATCH = 1000;

/** The embedder of a model and EMBEDDINGS_DIMENSIONS: `emb_` and 12 hex digits of their hash. */
export function embedderName(model: string, dimensions: number | undefined): string {
  const hash = createHash('sha256')
    .update(`${model}\n${dimensions ?? ''}`)
    .digest('hex');
  return `emb_${hash.slice(0, 12)}`;
}

export interface MeiliEmbeddingsOptions {
  /** embedderName(model, EMBEDDINGS_DIMENSIONS) */
  name: string;
  /** EMBEDDINGS_DIMENSIONS, when set */
  dimensions?: number | undefined;
  /** The stored vectors of these documents whose hash is their current text's (embeddings-store). */
  stored(type: DocumentType, docs: SearchDocument[]): Promise<Map<string, number[]>>;
}

/** What the semantic index uses (semantic.ts); implemented here for Meilisearch. */
export interface EngineVectors {
  /** Makes sure the embedder exists with these dimensions; true when it was (re)created now. */
  ensureEmbedder(type: DocumentType, dimensions: number): Promise<boolean>;
  /** Adds vectors to documents that exist (never creates one). */
  put(type: DocumentType, rows: readonly Pick<StoredVector, 'id' | 'vector'>[]): Promise<void>;
  /** The `k` public listings of `type` nearest to `vector`, at least `minSimilarity`, best first. */
  nearest(
    type: DocumentType,
    vector: readonly number[],
    k: number,
    minSimilarity: number,
  ): Promise<Neighbour[]>;
}

export class MeiliVectors implements EngineVectors {
  readonly name: string;
  /** dimensions of the embedder as this process last saw or made it, per type */
  readonly #ready = new Map<DocumentType, number>();

  constructor(
    private readonly client: Meilisearch,
    private readonly searchClient: Meilisearch,
    private readonly uid: (type: DocumentType) => string,
    private readonly keyOf: (id: string) => string,
    private readonly succeeded: (tasks: EnqueuedTaskPromise[]) => Promise<void>,
    private readonly opts: MeiliEmbeddingsOptions,
  ) {
    this.name = opts.name;
  }

  /** At start: every embedder but this one is removed (another model's, or embeddings now off). */
  async setup(): Promise<void> {
    await removeOtherEmbedders(this.client, VECTOR_TYPES.map(this.uid), this.succeeded, this.name);
  }

  /** `_vectors` of each listing document: its current vector, or null (waiting for one). */
  async documentVectors(type: DocumentType, docs: SearchDocument[]): Promise<Map<string, number[] | null>> {
    const out = new Map<string, number[] | null>();
    if (!VECTOR_TYPES.includes(type)) return out;
    const [stored, dims] = await Promise.all([this.opts.stored(type, docs), this.#dimensions(type)]);
    for (const doc of docs) {
      const v = stored.get(doc.id);
      out.set(doc.id, v && (dims === undefined || v.length === dims) ? v : null);
    }
    return out;
  }

  /**
   * The embedder's dimensions (EMBEDDINGS_DIMENSIONS, else as created, by any process): a stored
   * vector of another size would make Meilisearch refuse the whole batch, so it is written as null.
   */
  async #dimensions(type: DocumentType): Promise<number | undefined> {
    if (this.opts.dimensions) return this.opts.dimensions;
    if (!this.#ready.has(type)) {
      const mine = (await this.client.index(this.uid(type)).getEmbedders())?.[this.name];
      if (mine?.source === 'userProvided') this.#ready.set(type, mine.dimensions);
    }
    return this.#ready.get(type);
  }

  async ensureEmbedder(type: DocumentType, dimensions: number): Promise<boolean> {
    if (this.#ready.get(type) === dimensions) return false;
    const index = this.client.index(this.uid(type));
    const current = (await index.getEmbedders()) ?? {};
    const mine = current[this.name];
    if (mine && mine.source === 'userProvided' && mine.dimensions === dimensions) {
      this.#ready.set(type, dimensions);
      return false;
    }
    // another size under the same name (the model's own size changed): start it afresh
    if (mine) await this.succeeded([index.updateEmbedders({ [this.name]: null })]);
    // every document must carry the field before the embedder may exist
    for (let offset = 0; ; offset += PUSH_BATCH) {
      const page = await index.getDocuments<{ key: string }>({ fields: ['key'], offset, limit: PUSH_BATCH });
      if (page.results.length > 0) {
        await this.succeeded([
          index.updateDocuments(
            page.results.map((d) => ({ key: d.key, _vectors: { [this.name]: null } })),
            { primaryKey: 'key', skipCreation: true },
          ),
        ]);
      }
      if (page.results.length < PUSH_BATCH) break;
    }
    await this.succeeded([index.updateEmbedders({ [this.name]: { source: 'userProvided', dimensions } })]);
    this.#ready.set(type, dimensions);
    return true;
  }

  async put(type: DocumentType, rows: readonly Pick<StoredVector, 'id' | 'vector'>[]): Promise<void> {
    const index = this.client.index(this.uid(type));
    const tasks: EnqueuedTaskPromise[] = [];
    for (let i = 0; i < rows.length; i += PUSH_BATCH) {
      tasks.push(
        index.updateDocuments(
          rows.slice(i, i + PUSH_BATCH).map((r) => ({
            key: this.keyOf(r.id),
            _vectors: { [this.name]: [...r.vector] },
          })),
          { primaryKey: 'key', skipCreation: true },
        ),
      );
    }
    await this.succeeded(tasks);
  }

  async nearest(
    type: DocumentType,
    vector: readonly number[],
    k: number,
    minSimilarity: number,
  ): Promise<Neighbour[]> {
    let hits: Record<string, unknown>[];
    try {
      ({ hits } = await this.searchClient.index(this.uid(type)).search(null, {
        vector: [...vector],
        hybrid: { embedder: this.name, semanticRatio: 1 },
        filter: [`status IN [${SEARCHABLE_STATUSES.map((s) => JSON.stringify(s)).join(', ')}]`],
        limit: k,
        attributesToRetrieve: ['id'],
        showRankingScore: true,
        rankingScoreThreshold: (1 + minSimilarity) / 2,
      }));
    } catch (err) {
      // no vector pushed yet anywhere: no neighbours, not a failure
      if (err instanceof MeilisearchApiError && err.cause?.code === 'invalid_search_embedder') return [];
      throw err;
    }
    return hits.map((h) => ({
      id: String(h.id),
      similarity: 2 * Number(h._rankingScore ?? 0) - 1,
    }));
  }
}

/** Removes from these indexes every embedder but `keep` (none when undefined). */
export async function removeOtherEmbedders(
  client: Meilisearch,
  uids: readonly string[],
  succeeded: (tasks: EnqueuedTaskPromise[]) => Promise<void>,
  keep: string | undefined,
): Promise<void> {
  const tasks: EnqueuedTaskPromise[] = [];
  for (const uid of uids) {
    const index = client.index(uid);
    const others = Object.keys((await index.getEmbedders()) ?? {}).filter((name) => name !== keep);
    if (others.length > 0) {
      tasks.push(index.updateEmbedders(Object.fromEntries(others.map((name) => [name, null]))));
    }
  }
  await succeeded(tasks);
}
