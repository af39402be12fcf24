/**
 * The documents' embeddings in PostgreSQL (`matching_embeddings`), and nearest-neighbour search
 * over them.
 *
 * Search is brute force over the vectors of one type, held in memory normalised (Float32Array:
 * n × dims × 4 bytes, so 100,000 achievements of 1,024 dimensions take 400 MB, of 256 dimensions
 * 100 MB; EMBEDDINGS_DIMENSIONS asks the provider for fewer). One query costs n × dims
 * multiply-adds. The copy is loaded once, then kept current: this process's own writes apply to
 * it at once, and other processes' are read every `REFRESH_MS` in the background (rows changed
 * since the last read, and a full reload when the count says some were deleted), so a query never
 * waits for a reload after the first. What it returns is only a list of ids: the engine then
 * applies status and filters, so a vector left behind by a removed listing never surfaces it.
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import type { DocumentType } from './engine.js';
import { matchingEmbeddings } from './schema.js';

/** How long another process's writes may go unseen by this process's searches. */
export const REFRESH_MS = 5000;
/**
 * How long a query waits for the first load (100,000 vectors take seconds on a loaded machine):
 * past it, that query is answered without neighbours while the load goes on.
 */
export const FIRST_LOAD_WAIT_MS = 1000;
/** Rows re-read before the watermark: a transaction may commit after a later one's read. */
const OVERLAP = "interval '60 seconds'";

export interface StoredVector {
  id: string;
  contentHash: string;
  vector: number[];
}

export interface Neighbour {
  id: string;
  /** cosine similarity, −1–1 */
  similarity: number;
}

interface Loaded {
  /** unit-length vectors by id */
  vectors: Map<string, Float32Array>;
  /** the newest `updated_at` read (PostgreSQL's text, microseconds kept) */
  watermark: string | undefined;
  checkedAt: number;
  refreshing: Promise<void> | undefined;
}

function normalise(v: ArrayLike<number> & Iterable<number>): Float32Array | undefined {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) return undefined;
  return Float32Array.from(v, (x) => x / norm);
}

export class EmbeddingsStore {
  readonly #cache = new Map<DocumentType, Loaded>();
  readonly #loading = new Map<DocumentType, Promise<Loaded>>();

  constructor(
    private readonly db: Db,
    private readonly namespace: string,
    private readonly model: string,
  ) {}

  /** The content hash stored for each of these documents (of this model). */
  async hashes(type: DocumentType, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const t = matchingEmbeddings;
    const rows = await this.db
      .select({ id: t.id, hash: t.contentHash })
      .from(t)
      .where(
        and(eq(t.namespace, this.namespace), eq(t.type, type), eq(t.model, this.model), inArray(t.id, ids)),
      );
    return new Map(rows.map((r) => [r.id, r.hash]));
  }

  /** The stored vectors (this model) of these documents, with their content hash. */
  async vectors(type: DocumentType, ids: string[]): Promise<Map<string, StoredVector>> {
    if (ids.length === 0) return new Map();
    const t = matchingEmbeddings;
    const rows = await this.db
      .select({ id: t.id, contentHash: t.contentHash, vector: t.vector })
      .from(t)
      .where(
        and(eq(t.namespace, this.namespace), eq(t.type, type), eq(t.model, this.model), inArray(t.id, ids)),
      );
    return new Map(rows.map((r) => [r.id, { id: r.id, contentHash: r.contentHash, vector: [...r.vector] }]));
  }

  /** Up to `limit` stored vectors (this model) of `type` with an id after `after`, by id. */
  async page(type: DocumentType, after: string | undefined, limit: number): Promise<StoredVector[]> {
    const t = matchingEmbeddings;
    const mine = and(eq(t.namespace, this.namespace), eq(t.type, type), eq(t.model, this.model));
    const rows = await this.db
      .select({ id: t.id, contentHash: t.contentHash, vector: t.vector })
      .from(t)
      .where(after === undefined ? mine : and(mine, gt(t.id, after)))
      .orderBy(asc(t.id))
      .limit(limit);
    return rows.map((r) => ({ id: r.id, contentHash: r.contentHash, vector: [...r.vector] }));
  }

  async save(type: DocumentType, rows: StoredVector[]): Promise<void> {
    if (rows.length === 0) return;
    const t = matchingEmbeddings;
    await this.db
      .insert(t)
      .values(
        rows.map((r) => ({
          namespace: this.namespace,
          type,
          id: r.id,
          model: this.model,
          contentHash: r.contentHash,
          dims: r.vector.length,
          vector: Float32Array.from(r.vector),
        })),
      )
      .onConflictDoUpdate({
        target: [t.namespace, t.type, t.id],
        set: {
          model: sql`excluded.model`,
          contentHash: sql`excluded.content_hash`,
          dims: sql`excluded.dims`,
          vector: sql`excluded.vector`,
          updatedAt: sql`now()`,
        },
      });
    const cached = this.#cache.get(type);
    for (const r of rows) {
      const u = normalise(r.vector);
      if (cached && u) cached.vectors.set(r.id, u);
    }
  }

  async remove(type: DocumentType, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const t = matchingEmbeddings;
    await this.db.delete(t).where(and(eq(t.namespace, this.namespace), eq(t.type, type), inArray(t.id, ids)));
    const cached = this.#cache.get(type);
    for (const id of ids) cached?.vectors.delete(id);
  }

  /** Documents of `type` with their stored vector (this model). */
  async count(type: DocumentType): Promise<number> {
    const t = matchingEmbeddings;
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(t)
      .where(and(eq(t.namespace, this.namespace), eq(t.type, type), eq(t.model, this.model)));
    return row?.n ?? 0;
  }

  /** Rows of this model and type, all or those changed since `after` (with the overlap). */
  async #read(type: DocumentType, after: string | undefined) {
    const t = matchingEmbeddings;
    const mine = and(eq(t.namespace, this.namespace), eq(t.type, type), eq(t.model, this.model));
    return this.db
      .select({ id: t.id, vector: t.vector, at: sql<string>`${t.updatedAt}::text` })
      .from(t)
      .where(after ? and(mine, sql`${t.updatedAt} > ${after}::timestamptz - ${sql.raw(OVERLAP)}`) : mine);
  }

  async #fullLoad(type: DocumentType): Promise<Loaded> {
    const loaded: Loaded = {
      vectors: new Map(),
      watermark: undefined,
      checkedAt: Date.now(),
      refreshing: undefined,
    };
    this.#apply(loaded, await this.#read(type, undefined));
    return loaded;
  }

  #apply(loaded: Loaded, rows: { id: string; vector: Float32Array; at: string }[]): void {
    for (const r of rows) {
      const u = normalise(r.vector);
      if (u) loaded.vectors.set(r.id, u);
      if (!loaded.watermark || r.at > loaded.watermark) loaded.watermark = r.at;
    }
  }

  /** Reads what other processes changed; a full reload when rows were deleted meanwhile. */
  async #refresh(type: DocumentType, loaded: Loaded): Promise<void> {
    this.#apply(loaded, await this.#read(type, loaded.watermark));
    if ((await this.count(type)) !== loaded.vectors.size) {
      const fresh = await this.#fullLoad(type);
      loaded.vectors = fresh.vectors;
      loaded.watermark = fresh.watermark;
    }
    loaded.checkedAt = Date.now();
  }

  /** Loads the in-memory copy of `type` if it is not yet (start-up, tests). */
  async warm(type: DocumentType): Promise<void> {
    if (this.#cache.has(type)) return;
    let loading = this.#loading.get(type);
    if (!loading) {
      loading = this.#fullLoad(type)
        .then((loaded) => {
          this.#cache.set(type, loaded);
          return loaded;
        })
        .finally(() => this.#loading.delete(type));
      this.#loading.set(type, loading);
    }
    await loading;
  }

  /**
   * The in-memory copy: loaded on first use (undefined while that takes longer than
   * FIRST_LOAD_WAIT_MS), refreshed in the background when older than REFRESH_MS.
   */
  async #current(type: DocumentType): Promise<Loaded | undefined> {
    const cached = this.#cache.get(type);
    if (!cached) {
      const loading = this.warm(type);
      // a failure after the wait is the next query's to see
      loading.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FIRST_LOAD_WAIT_MS);
      });
      await Promise.race([loading, waited]).finally(() => clearTimeout(timer));
      return this.#cache.get(type);
    }
    if (!cached.refreshing && Date.now() - cached.checkedAt >= REFRESH_MS) {
      cached.refreshing = this.#refresh(type, cached)
        // a failed refresh keeps the copy; the next query tries again
        .catch(() => undefined)
        .finally(() => {
          cached.refreshing = undefined;
        });
    }
    return cached;
  }

  /**
   * The `k` stored documents of `type` most similar to `query`, at least `minSimilarity`, best
   * first; undefined while the vectors are still loading.
   */
  async nearest(
    type: DocumentType,
    query: readonly number[],
    k: number,
    minSimilarity: number,
  ): Promise<Neighbour[] | undefined> {
    const q = normalise(query);
    if (!q) return [];
    const current = await this.#current(type);
    if (!current) return undefined;
    const { vectors } = current;
    const dims = q.length;
    const top: Neighbour[] = [];
    for (const [id, v] of vectors) {
      if (v.length !== dims) continue;
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += q[d]! * v[d]!;
      if (dot < minSimilarity) continue;
      if (top.length === k && dot <= top[k - 1]!.similarity) continue;
      // insertion into a short sorted list (k ≤ 100)
      let at = top.length < k ? top.length : k - 1;
      top[at] = { id, similarity: dot };
      while (at > 0 && top[at - 1]!.similarity < top[at]!.similarity) {
        [top[at - 1], top[at]] = [top[at]!, top[at - 1]!];
        at--;
      }
    }
    return top;
  }
}
