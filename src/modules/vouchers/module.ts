import type { ModuleDefinition } from '../index.js';
import { voucherServices, voucherWorkers } from './jobs.js';
import { voucherRoutes } from './routes.js';

/** Data transaction vouchers (数据交易凭证): public routes, the issuing worker, the log sequencer. */
export const vouchersModule: ModuleDefinition = {
  name: 'vouchers',
  routes: voucherRoutes,
  workers: voucherWorkers,
  services: voucherServices,
};
