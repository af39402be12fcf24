/**
 * Coalesces the indexer's jobs: changes that arrive together are applied together, one
 * `applyCurrentState` (one engine task per index) for up to `SEARCH_LIMITS.maxBatch` documents of
 * a type, and a document named by several jobs in the meantime is read and written once. At most
 * two batches per type are in flight, the second only when half a batch is waiting (the engine
 * indexes one while the next is queued behind it);
 * what arrives meanwhile forms the next batch, so batches grow with the load (a busy day of
 * publishing, a reindex beside the workers) and a lone change waits only `lingerMs`.
 *
 * Each job's promise settles when its document's batch is applied (or fails), so a job completes
 * only once the index holds its state, and a failed batch fails — and retries — each of its jobs.
 */
import type { Db } from '../../platform/db.js';
import { type DocumentType, SEARCH_LIMITS, type SearchEngine } from './engine.js';
import { type Applied, applyCurrentState } from './index-apply.js';

interface Waiter {
  resolve(applied: Applied): void;
  reject(err: unknown): void;
}

interface Lane {
  queued: Map<string, Waiter[]>;
  /** batches being applied */
  running: number;
  timer: NodeJS.Timeout | undefined;
}

const MAX_IN_FLIGHT = 2;

export interface IndexBatcherOptions {
  /** how long the first change of a batch waits for others; default 20 ms */
  lingerMs?: number;
  /** documents per batch; default SEARCH_LIMITS.maxBatch (1000) */
  maxBatch?: number;
  /** called after each batch (metrics, benchmarks) */
  onBatch?: (type: DocumentType, size: number) => void;
  /** called with each applied batch, after its jobs are released (semantic.ts embeds it); must not throw */
  onApplied?: (type: DocumentType, applied: Applied) => void;
}

export class IndexBatcher {
  readonly #lanes = new Map<DocumentType, Lane>();
  readonly #lingerMs: number;
  readonly #maxBatch: number;

  constructor(
    private readonly db: Db,
    private readonly engine: () => Promise<SearchEngine>,
    private readonly opts: IndexBatcherOptions = {},
  ) {
    this.#lingerMs = opts.lingerMs ?? 20;
    this.#maxBatch = Math.min(opts.maxBatch ?? SEARCH_LIMITS.maxBatch, SEARCH_LIMITS.maxBatch);
  }

  /** Resolves once the index holds the current state of this document (within its batch). */
  apply(type: DocumentType, id: string): Promise<Applied> {
    let lane = this.#lanes.get(type);
    if (!lane) {
      lane = { queued: new Map(), running: 0, timer: undefined };
      this.#lanes.set(type, lane);
    }
    const l = lane;
    return new Promise<Applied>((resolve, reject) => {
      const waiters = l.queued.get(id) ?? [];
      waiters.push({ resolve, reject });
      l.queued.set(id, waiters);
      this.#schedule(type, l);
    });
  }

  #schedule(type: DocumentType, lane: Lane): void {
    if (lane.running >= MAX_IN_FLIGHT || lane.queued.size === 0) return;
    // beside a running batch, only a large one goes (small ones wait and coalesce)
    if (lane.running > 0) {
      if (lane.queued.size >= this.#maxBatch / 2) void this.#run(type, lane);
      return;
    }
    if (lane.queued.size >= this.#maxBatch) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      void this.#run(type, lane);
    } else if (!lane.timer) {
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        void this.#run(type, lane);
      }, this.#lingerMs);
    }
  }

  async #run(type: DocumentType, lane: Lane): Promise<void> {
    if (lane.running >= MAX_IN_FLIGHT || lane.queued.size === 0) return;
    lane.running++;
    const batch = [...lane.queued.entries()].slice(0, this.#maxBatch);
    for (const [id] of batch) lane.queued.delete(id);
    try {
      const applied = await applyCurrentState(
        this.db,
        await this.engine(),
        type,
        batch.map(([id]) => id),
      );
      this.opts.onBatch?.(type, batch.length);
      for (const [, waiters] of batch) for (const w of waiters) w.resolve(applied);
      this.opts.onApplied?.(type, applied);
    } catch (err) {
      for (const [, waiters] of batch) for (const w of waiters) w.reject(err);
    } finally {
      lane.running--;
      // what queued up meanwhile goes at once: it has waited for this batch already
      if (lane.running === 0 && lane.queued.size > 0) void this.#run(type, lane);
      else this.#schedule(type, lane);
    }
  }
}
