import type { ModuleDefinition } from '../../platform/module.js';
import { noticeRoutes } from './routes.js';
import { seedNoticeOnStart } from './seed.js';

/** 协议定价公示: public notices of negotiated prices, objections, and the contract gate. */
export const noticesModule: ModuleDefinition = {
  name: 'notices',
  routes: noticeRoutes,
  /** The demo exchange gets one notice (after the catalog's demo, which runs first). */
  startup: (ctx) => seedNoticeOnStart(ctx.database.db, ctx.config, ctx.logger),
};
