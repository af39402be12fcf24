import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../../platform/authz.js';
import { bindOperations } from '../../platform/http/operations.js';
import { registerMessages } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import { EVENT_TYPES } from './events.js';
import { createWebhookService } from './service.js';

registerMessages({
  'webhook-subscription-not-found': {
    title: { 'zh-CN': 'Webhook 订阅不存在', en: 'No such webhook subscription' },
  },
  'webhook-delivery-not-found': { title: { 'zh-CN': '投递记录不存在', en: 'No such webhook delivery' } },
  'webhook-subscription-disabled': {
    title: { 'zh-CN': 'Webhook 订阅已停用', en: 'The webhook subscription is disabled' },
    detail: {
      'zh-CN': '请先将订阅状态改为 active 再重新投递。',
      en: 'Set the subscription status to active before redelivering.',
    },
  },
  'webhook-target-not-allowed': {
    title: { 'zh-CN': '不允许的 Webhook 地址', en: 'This webhook URL is not allowed' },
    detail: {
      'zh-CN': '地址须为 http(s)，不含用户名密码，且不得指向内网、回环、链路本地或云元数据地址（{reason}）。',
      en: 'The URL must be http(s) without credentials and must not point at private, loopback, link-local or metadata addresses ({reason}).',
    },
  },
});

export async function integrationRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const svc = createWebhookService(ctx);
  bindOperations(app, {
    listWebhookEventTypes: async () => ({
      items: Object.entries(EVENT_TYPES).map(([type, description]) => ({ type, description })),
    }),
    listWebhookSubscriptions: async (req) => svc.list(requirePrincipal(req.principal), req.query),
    createWebhookSubscription: async (req, reply) => {
      const created = await svc.create(requirePrincipal(req.principal), req.body, req.id);
      return reply.code(201).header('location', `/v1/webhooks/subscriptions/${created.id}`).send(created);
    },
    getWebhookSubscription: async (req) =>
      svc.get(requirePrincipal(req.principal), req.params.subscriptionId),
    updateWebhookSubscription: async (req) =>
      svc.update(requirePrincipal(req.principal), req.params.subscriptionId, req.body, req.id),
    deleteWebhookSubscription: async (req, reply) => {
      await svc.remove(requirePrincipal(req.principal), req.params.subscriptionId, req.id);
      return reply.code(204).send();
    },
    rotateWebhookSecret: async (req) =>
      svc.rotateSecret(requirePrincipal(req.principal), req.params.subscriptionId, req.id),
    listWebhookDeliveries: async (req) =>
      svc.deliveries(requirePrincipal(req.principal), req.params.subscriptionId, req.query),
    redeliverWebhook: async (req, reply) => {
      const d = await svc.redeliver(
        requirePrincipal(req.principal),
        req.params.subscriptionId,
        req.params.deliveryId,
        req.id,
      );
      return reply.code(202).send(d);
    },
    listIntegrationNotifications: async (req) =>
      svc.notifications(requirePrincipal(req.principal), req.query),
  });
}
