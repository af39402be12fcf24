import type { ModuleDefinition } from '../../platform/module.js';
import { noticeRoutes } from './routes.js';

/** 协议定价公示: public notices of negotiated prices, objections, and the contract gate. */
export const noticesModule: ModuleDefinition = { name: 'notices', routes: noticeRoutes };
