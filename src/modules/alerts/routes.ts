import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../../platform/authz.js';
import { bindOperations } from '../../platform/http/operations.js';
import { registerMessages } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import './policies.js';
import { createSavedSearchService } from './service.js';

registerMessages({
  'saved-search-not-found': { title: { 'zh-CN': '订阅检索不存在', en: 'No such saved search' } },
  'saved-search-limit': {
    title: { 'zh-CN': '订阅检索数量已达上限', en: 'Too many saved searches' },
    detail: {
      'zh-CN': '每人最多保存 {max} 个订阅检索，请先删除不再需要的。',
      en: 'A person may keep at most {max} saved searches; delete one you no longer need.',
    },
  },
  'saved-search-invalid': {
    title: { 'zh-CN': '订阅检索条件无效', en: 'The saved search cannot be used' },
    detail: {
      'zh-CN': '请给出关键词或至少一个筛选条件，范围下限不得大于上限；Webhook 通知需以机构身份订阅。',
      en: 'Give a query or at least one filter, with no range minimum above its maximum; webhook alerts need an organisation.',
    },
  },
  'saved-search-person-only': {
    title: { 'zh-CN': '订阅检索仅供个人用户使用', en: 'Saved searches belong to people' },
    detail: {
      'zh-CN': '提醒发送到个人的站内通知，机器客户端不能订阅检索。',
      en: 'Alerts go to a person’s inbox; machine clients cannot save searches.',
    },
  },
});

/** Saved searches (订阅检索) and the alerts they produced. */
export async function alertRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const svc = createSavedSearchService(ctx.database.db, ctx.cursors);
  bindOperations(app, {
    createSavedSearch: async (req, reply) => {
      const created = await svc.create(requirePrincipal(req.principal), req.body, req.id);
      return reply.code(201).header('location', `/v1/saved-searches/${created.id}`).send(created);
    },
    listSavedSearches: async (req) => svc.list(requirePrincipal(req.principal), req.query),
    getSavedSearch: async (req) => svc.get(requirePrincipal(req.principal), req.params.savedSearchId),
    updateSavedSearch: async (req) =>
      svc.update(requirePrincipal(req.principal), req.params.savedSearchId, req.body, req.id),
    deleteSavedSearch: async (req, reply) => {
      await svc.remove(requirePrincipal(req.principal), req.params.savedSearchId, req.id);
      return reply.code(204).send();
    },
    listSavedSearchAlerts: async (req) =>
      svc.alerts(requirePrincipal(req.principal), req.params.savedSearchId, req.query),
  });
}
