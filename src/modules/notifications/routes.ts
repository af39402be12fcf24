import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../../platform/authz.js';
import { bindOperations } from '../../platform/http/operations.js';
import { registerMessages } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import { createNotificationService } from './service.js';

registerMessages({
  'notification-not-found': { title: { 'zh-CN': '通知不存在', en: 'No such notification' } },
});

export async function notificationRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const svc = createNotificationService(ctx.database.db, ctx.cursors);
  bindOperations(app, {
    listNotifications: async (req) => svc.list(requirePrincipal(req.principal), req.query),
    markNotificationRead: async (req) =>
      svc.markRead(requirePrincipal(req.principal), req.params.notificationId),
    markAllNotificationsRead: async (req) => svc.markAllRead(requirePrincipal(req.principal)),
  });
}
