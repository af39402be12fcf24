import type { Job } from 'bullmq';
import type { ModuleContext, ModuleRoutes } from '../platform/http/app.js';
import { alertsModule } from './alerts/module.js';
import { catalogModule } from './catalog/module.js';
import { contractsModule } from './contracts/module.js';
import { oidcRoutes } from './identity/oidc/routes.js';
import { identityRoutes } from './identity/routes.js';
import { integrationModule } from './integration/module.js';
import { interestsModule } from './interests/module.js';
import { matchingModule } from './matching/module.js';
import { notificationsModule } from './notifications/module.js';
import { vouchersModule } from './vouchers/module.js';

/** A job processor a module contributes to the worker process. */
export interface WorkerDefinition {
  queue: string;
  concurrency?: number;
  process(job: Job): Promise<unknown>;
}

/** A loop a module runs beside its queue workers (e.g. the voucher log's sequencer). */
export interface BackgroundService {
  name: string;
  start(): Promise<void>;
  /** Finish the work in hand and stop; called before the database closes. */
  stop(): Promise<void>;
}

/** What a feature module contributes: HTTP routes (bound by operationId), queue workers and background services. */
export interface ModuleDefinition {
  name: string;
  routes?: ModuleRoutes;
  workers?: (ctx: ModuleContext) => WorkerDefinition[];
  /** Started in worker processes (`techex worker`, `techex start`), stopped on shutdown. */
  services?: (ctx: ModuleContext) => BackgroundService[];
}

/** Every module, wired in one place (STYLE.md: services are wired once). */
export const MODULES: ModuleDefinition[] = [
  { name: 'identity', routes: identityRoutes },
  { name: 'identity-oidc', routes: oidcRoutes },
  vouchersModule,
  integrationModule,
  contractsModule,
  catalogModule,
  notificationsModule,
  matchingModule,
  alertsModule,
  interestsModule,
];
