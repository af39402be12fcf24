import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindUntypedOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import type { DayKind } from './rules.js';
import {
  answerObjection,
  getNotice,
  getPolicy,
  type ListQuery,
  listNotices,
  type NoticeDeps,
  type NoticeInput,
  objectToNotice,
  publishNotice,
  setPolicy,
  withdrawNotice,
} from './service.js';

type Id = { Params: { noticeId: string } };
type OrgId = { Params: { organisationId: string } };

export async function noticeRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: NoticeDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  bindUntypedOperations(app, {
    createPriceNotice: async (req: FastifyRequest<{ Body: NoticeInput }>, reply: FastifyReply) => {
      const notice = await publishNotice(deps, req.principal, req.body, req.id);
      return reply.code(201).header('location', `/v1/public-notices/${notice.id}`).send(notice);
    },
    listPriceNotices: (req: FastifyRequest<{ Querystring: ListQuery }>) => listNotices(deps, req.query),
    getPriceNotice: (req: FastifyRequest<Id>) => getNotice(deps, req.principal, req.params.noticeId),
    objectToPriceNotice: async (
      req: FastifyRequest<Id & { Body: { name: string; text: string } }>,
      reply: FastifyReply,
    ) =>
      reply.code(201).send(await objectToNotice(deps, req.principal, req.params.noticeId, req.body, req.id)),
    answerPriceNoticeObjection: (
      req: FastifyRequest<{ Params: { noticeId: string; objectionId: string }; Body: { answer: string } }>,
    ) => answerObjection(deps, req.principal, req.params.noticeId, req.params.objectionId, req.body, req.id),
    withdrawPriceNotice: (req: FastifyRequest<Id & { Body: { reason?: string } }>) =>
      withdrawNotice(deps, req.principal, req.params.noticeId, req.body ?? {}, req.id),
    getPriceNoticePolicy: (req: FastifyRequest<OrgId>) =>
      getPolicy(deps, req.principal, req.params.organisationId),
    setPriceNoticePolicy: (req: FastifyRequest<OrgId & { Body: { periodDays: number; dayKind: DayKind } }>) =>
      setPolicy(deps, req.principal, req.params.organisationId, req.body, req.id),
  });
}
