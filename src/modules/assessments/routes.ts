import type { FastifyInstance } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import {
  type AssessmentDeps,
  achievementAssessments,
  enrolExpert,
  getEvaluation,
  recordValuation,
  requestEvaluation,
  submitScores,
} from './service.js';

export async function assessmentRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: AssessmentDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  bindOperations(app, {
    enrolEvaluationExpert: (req) =>
      enrolExpert(deps, req.principal, req.params.expertId, req.body.userId, req.id),
    createEvaluation: async (req, reply) => {
      const e = await requestEvaluation(deps, req.principal, req.body, req.id);
      return reply.code(201).header('location', `/v1/evaluations/${e.id}`).send(e);
    },
    getEvaluation: (req) => getEvaluation(deps, req.principal, req.params.evaluationId),
    submitEvaluationScores: (req) =>
      submitScores(deps, req.principal, req.params.evaluationId, req.body, req.id),
    createValuation: async (req, reply) =>
      reply.code(201).send(await recordValuation(deps, req.principal, req.body, req.id)),
    getAchievementAssessments: (req) => achievementAssessments(deps, req.principal, req.params.id),
  });
}
