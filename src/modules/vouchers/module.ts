import type { ModuleDefinition } from '../../platform/module.js';
import { voucherServices, voucherWorkers } from './jobs.js';
import { ISSUE_DISPATCH_GRACE_MS, ISSUE_QUEUE } from './request.js';
import { voucherRoutes } from './routes.js';
import { submissionRoutes } from './submissions.js';

/** Data transaction vouchers (数据交易凭证): public routes, the issuing worker, the log sequencer. */
export const vouchersModule: ModuleDefinition = {
  name: 'vouchers',
  routes: async (app, ctx) => {
    await voucherRoutes(app, ctx);
    await submissionRoutes(app, ctx);
  },
  workers: voucherWorkers,
  services: voucherServices,
  // The batch issuer does these jobs itself; the queue only gets what it left for the grace.
  deferOutboxDispatch: { [ISSUE_QUEUE]: ISSUE_DISPATCH_GRACE_MS },
};
