import type { ModuleDefinition } from '../platform/module.js';
import { alertsModule } from './alerts/module.js';
import { assessmentsModule } from './assessments/module.js';
import { catalogModule } from './catalog/module.js';
import { contractsModule } from './contracts/module.js';
import { financingModule } from './financing/module.js';
import { identityModule, identityOidcModule } from './identity/module.js';
import { integrationModule } from './integration/module.js';
import { interestsModule } from './interests/module.js';
import { managersModule } from './managers/module.js';
import { matchingModule } from './matching/module.js';
import { noticesModule } from './notices/module.js';
import { notificationsModule } from './notifications/module.js';
import { servicesModule } from './services/module.js';
import { vouchersModule } from './vouchers/module.js';

/**
 * The composition root: every module, wired in one place (STYLE.md: services are wired once) and
 * handed to the platform by src/main.ts. Order matters: start-up tasks run in this order.
 */
export const MODULES: ModuleDefinition[] = [
  identityModule,
  identityOidcModule,
  vouchersModule,
  integrationModule,
  contractsModule,
  catalogModule,
  notificationsModule,
  matchingModule,
  alertsModule,
  interestsModule,
  noticesModule,
  managersModule,
  financingModule,
  servicesModule,
  assessmentsModule,
];
