import type { FastifyInstance } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import {
  answerObjection,
  getNotice,
  getPolicy,
  listNotices,
  type NoticeDeps,
  objectToNotice,
  publishNotice,
  setPolicy,
  withdrawNotice,
} from './service.js';

export async function noticeRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: NoticeDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  bindOperations(app, {
    createPriceNotice: async (req, reply) => {
      const notice = await publishNotice(deps, req.principal, req.body, req.id);
      return reply.code(201).header('location', `/v1/public-notices/${notice.id}`).send(notice);
    },
    listPriceNotices: (req) => listNotices(deps, req.query),
    getPriceNotice: (req) => getNotice(deps, req.principal, req.params.noticeId),
    objectToPriceNotice: async (req, reply) =>
      reply.code(201).send(await objectToNotice(deps, req.principal, req.params.noticeId, req.body, req.id)),
    answerPriceNoticeObjection: (req) =>
      answerObjection(deps, req.principal, req.params.noticeId, req.params.objectionId, req.body, req.id),
    withdrawPriceNotice: (req) =>
      withdrawNotice(deps, req.principal, req.params.noticeId, req.body ?? {}, req.id),
    getPriceNoticePolicy: (req) => getPolicy(deps, req.principal, req.params.organisationId),
    setPriceNoticePolicy: (req) =>
      setPolicy(deps, req.principal, req.params.organisationId, req.body, req.id),
  });
}
