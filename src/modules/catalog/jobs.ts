import type { WorkerDefinition } from '../../platform/module.js';

/**
 * The catalog runs no workers of its own: its `catalog.changed` and `catalog.directory-changed`
 * jobs are consumed by the matching module's search indexer (src/modules/matching/indexer.ts).
 */
export function catalogWorkers(): WorkerDefinition[] {
  return [];
}
