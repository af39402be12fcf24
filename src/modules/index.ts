import type { Job } from 'bullmq';
import type { ModuleContext, ModuleRoutes } from '../platform/http/app.js';

/** A job processor a module contributes to the worker process. */
export interface WorkerDefinition {
  queue: string;
  concurrency?: number;
  process(job: Job): Promise<unknown>;
}

/** What a feature module contributes: HTTP routes (bound by operationId) and queue workers. */
export interface ModuleDefinition {
  name: string;
  routes?: ModuleRoutes;
  workers?: (ctx: ModuleContext) => WorkerDefinition[];
}

/** Every module, wired in one place (STYLE.md: services are wired once). */
export const MODULES: ModuleDefinition[] = [];
