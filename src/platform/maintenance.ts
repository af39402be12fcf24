import type { Logger } from 'pino';
import type { MaintenanceJob } from './module.js';

/**
 * Runs the hourly maintenance jobs one after another. A failing job is logged (with its name and
 * error) and the next one still runs; what a job pruned is logged when it pruned something.
 */
export async function runMaintenance(jobs: MaintenanceJob[], logger: Logger): Promise<void> {
  for (const job of jobs) {
    try {
      const result = await job.run();
      if (prunedSomething(result)) logger.info({ job: job.name, result }, 'maintenance: pruned expired rows');
    } catch (err) {
      logger.error({ err, job: job.name }, 'maintenance job failed');
    }
  }
}

function prunedSomething(result: unknown): boolean {
  if (typeof result === 'number') return result > 0;
  if (result && typeof result === 'object')
    return Object.values(result).some((v) => typeof v === 'number' && v > 0);
  return false;
}
