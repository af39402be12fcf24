import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindUntypedOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import type { Indicator } from './rules.js';
import {
  type AssessmentDeps,
  achievementAssessments,
  type EvaluationInput,
  enrolExpert,
  getEvaluation,
  recordValuation,
  requestEvaluation,
  submitScores,
  type ValuationInput,
} from './service.js';

type EvalId = { Params: { evaluationId: string } };

export async function assessmentRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: AssessmentDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  bindUntypedOperations(app, {
    enrolEvaluationExpert: (
      req: FastifyRequest<{ Params: { expertId: string }; Body: { userId: string } }>,
    ) => enrolExpert(deps, req.principal, req.params.expertId, req.body.userId, req.id),
    createEvaluation: async (req: FastifyRequest<{ Body: EvaluationInput }>, reply: FastifyReply) => {
      const e = await requestEvaluation(deps, req.principal, req.body, req.id);
      return reply.code(201).header('location', `/v1/evaluations/${e.id}`).send(e);
    },
    getEvaluation: (req: FastifyRequest<EvalId>) =>
      getEvaluation(deps, req.principal, req.params.evaluationId),
    submitEvaluationScores: (
      req: FastifyRequest<EvalId & { Body: { scores: Record<Indicator, number>; comment?: string } }>,
    ) => submitScores(deps, req.principal, req.params.evaluationId, req.body, req.id),
    createValuation: async (req: FastifyRequest<{ Body: ValuationInput }>, reply: FastifyReply) =>
      reply.code(201).send(await recordValuation(deps, req.principal, req.body, req.id)),
    getAchievementAssessments: (req: FastifyRequest<{ Params: { id: string } }>) =>
      achievementAssessments(deps, req.principal, req.params.id),
  });
}
