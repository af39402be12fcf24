import type { WorkerDefinition } from '../index.js';

/**
 * Placeholder consumer of `catalog.changed` so the queue does not grow while nothing indexes
 * the catalog: it completes each job. The matching module replaces it with its indexer (and
 * then this worker must be removed, or both would compete for the jobs).
 */
export function catalogWorkers(): WorkerDefinition[] {
  return [{ queue: 'catalog.changed', concurrency: 4, process: async () => ({ ignored: true }) }];
}
