/**
 * The documents' embeddings in PostgreSQL (`matching_embeddings`), and nearest-neighbour search
 * over them.
 *
 * Search is brute force over the vectors of one type, held in memory normalised (Float32Array,
 * n × dims × 4 bytes: 100,000 achievements of 1,024 dimensions take 400 MB, of 256 dimensions
 * 100 MB; EMBEDDINGS_DIMENSIONS asks the provider for fewer) and reloaded when older than
 * `CACHE_TTL_MS` or after a write in this process. One query costs n × dims multiply-adds
 * (25 M at 100,000 × 256). What it returns is only a list of ids: the engine then applies the
 * status and filters, so a vector left behind by a removed listing never surfaces it.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import type { DocumentType } from './engine.js';
import { matchingEmbeddings } from './schema.js';

/** How long another process's writes may go unseen by this process's searches. */
export const CACHE_TTL_MS = 5000;

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
  at: number;
  ids: string[];
  dims: number;
  /** ids.length × dims, each row of unit length */
  unit: Float32Array;
}

function normalise(v: readonly number[]): Float32Array | undefined {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) return undefined;
  return Float32Array.from(v, (x) => x / norm);
}

export class EmbeddingsStore {
  readonly #cache = new Map<DocumentType, Loaded>();

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
          vector: r.vector,
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
    this.#cache.delete(type);
  }

  async remove(type: DocumentType, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const t = matchingEmbeddings;
    await this.db.delete(t).where(and(eq(t.namespace, this.namespace), eq(t.type, type), inArray(t.id, ids)));
    this.#cache.delete(type);
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

  async #load(type: DocumentType, dims: number): Promise<Loaded> {
    const cached = this.#cache.get(type);
    if (cached && cached.dims === dims && Date.now() - cached.at < CACHE_TTL_MS) return cached;
    const t = matchingEmbeddings;
    const rows = await this.db
      .select({ id: t.id, vector: t.vector })
      .from(t)
      .where(
        and(eq(t.namespace, this.namespace), eq(t.type, type), eq(t.model, this.model), eq(t.dims, dims)),
      );
    const ids: string[] = [];
    const unit = new Float32Array(rows.length * dims);
    for (const r of rows) {
      const u = normalise(r.vector);
      if (!u) continue;
      unit.set(u, ids.length * dims);
      ids.push(r.id);
    }
    const loaded = { at: Date.now(), ids, dims, unit: unit.subarray(0, ids.length * dims) };
    this.#cache.set(type, loaded);
    return loaded;
  }

  /** The `k` stored documents of `type` most similar to `query`, at least `minSimilarity`, best first. */
  async nearest(
    type: DocumentType,
    query: readonly number[],
    k: number,
    minSimilarity: number,
  ): Promise<Neighbour[]> {
    const q = normalise(query);
    if (!q) return [];
    const { ids, dims, unit } = await this.#load(type, q.length);
    const top: Neighbour[] = [];
    for (let i = 0; i < ids.length; i++) {
      let dot = 0;
      const base = i * dims;
      for (let d = 0; d < dims; d++) dot += q[d]! * unit[base + d]!;
      if (dot < minSimilarity) continue;
      if (top.length === k && dot <= top[k - 1]!.similarity) continue;
      // insertion into a short sorted list (k ≤ 100)
      let at = top.length < k ? top.length : k - 1;
      top[at] = { id: ids[i]!, similarity: dot };
      while (at > 0 && top[at - 1]!.similarity < top[at]!.similarity) {
        [top[at - 1], top[at]] = [top[at]!, top[at - 1]!];
        at--;
      }
    }
    return top;
  }
}
