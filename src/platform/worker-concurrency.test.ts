import { describe, expect, it } from 'vitest';
import { MODULES } from '../modules/index.js';
import { INDEX_CONCURRENCY } from '../modules/matching/indexer.js';
import { loadConfig } from './config.js';
import type { ModuleContext } from './module.js';

describe('WORKER_CONCURRENCY', () => {
  it('sets the concurrency of the alert workers (not a fixed number); indexing holds a batch', () => {
    for (const n of ['3', '17']) {
      const ctx = { config: loadConfig({ WORKER_CONCURRENCY: n }) } as unknown as ModuleContext;
      const defs = MODULES.filter((m) => ['matching', 'alerts'].includes(m.name)).flatMap((m) =>
        (m.workers?.(ctx) ?? []).map((d) => [d.queue, d.concurrency]),
      );
      const byQueue = Object.fromEntries(defs);
      // The indexing workers hold up to INDEX_CONCURRENCY jobs that wait in the batcher for one
      // engine write per document type: that bounds the batch size, not the work in parallel.
      for (const queue of ['catalog.changed', 'catalog.directory-changed'])
        expect(byQueue[queue]).toBe(INDEX_CONCURRENCY);
      for (const queue of ['matching.listing-indexed']) {
        expect(Object.keys(byQueue)).toContain(queue);
        // Unset means the runtime's WORKER_CONCURRENCY too.
        expect(byQueue[queue] ?? Number(n), `${queue} with WORKER_CONCURRENCY=${n}`).toBe(Number(n));
      }
    }
  });
});
