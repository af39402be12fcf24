import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../platform/authz.js';
import { bindOperations } from '../../platform/http/operations.js';
import { registerMessages } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import { createNotificationService } from './service.js';

registerMessages({
  'notification-not-found': { title: { 'zh-CN': '通知不存在', en: 'No such notification' } },
});

type List = { Querystring: { cursor?: string; limit?: number; unread?: boolean } };

export async function notificationRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const svc = createNotificationService(ctx.database.db, ctx.cursors);
  bindOperations(app, {
    listNotifications: async (req: FastifyRequest<List>) =>
      svc.list(requirePrincipal(req.principal), req.query),
    markNotificationRead: async (req: FastifyRequest<{ Params: { notificationId: string } }>) =>
      svc.markRead(requirePrincipal(req.principal), req.params.notificationId),
    markAllNotificationsRead: async (req: FastifyRequest) => svc.markAllRead(requirePrincipal(req.principal)),
  });
}
