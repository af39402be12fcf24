import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import {
  approveAmendment,
  cancelRegistration,
  listAmendments,
  rejectAmendment,
  requestAmendment,
} from './amendments.js';
import { holidayCalendar, importHolidayCalendar } from './calendar-admin.js';
import { calendarWarning } from './holiday-years.js';
import { refuseRegistration, registerContract, returnForCorrection, takeForReview } from './review.js';
import { rewardsReport } from './rewards.js';
import {
  type ContractDeps,
  createContract,
  getContract,
  listOverdueContracts,
  listVisibleContracts,
  submitContract,
  updateDraft,
} from './service.js';
import { statistics, statisticsCsv, taxView } from './stats.js';
import type { Caller } from './view.js';

const caller = (req: FastifyRequest): Caller => ({ principal: req.principal, requestId: req.id });

export async function contractRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: ContractDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  // From 1 November /readyz warns while next year's holiday arrangement is not loaded.
  ctx.readinessChecks.holidayCalendar = async () => {
    const warning = await calendarWarning(ctx.database.db);
    return warning ? { warning } : undefined;
  };
  bindOperations(app, {
    getHolidayCalendar: (req) => holidayCalendar(deps, caller(req)),
    importHolidayCalendar: (req) => importHolidayCalendar(deps, caller(req), req.body),
    createContract: async (req, reply) =>
      reply.code(201).send(await createContract(deps, caller(req), req.body)),
    listContracts: (req) => listVisibleContracts(deps, caller(req), req.query),
    listOverdueContracts: (req) => listOverdueContracts(deps, caller(req), req.query),
    getContractStatistics: (req) => statistics(deps, caller(req), req.query),
    exportContractStatistics: async (req, reply) => {
      const csv = await statisticsCsv(deps, caller(req), req.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="contract-statistics-${req.query.year}.csv"`)
        .send(csv);
    },
    getContractTaxView: (req) => taxView(deps, caller(req), req.query),
    getContractRewards: (req) => rewardsReport(deps, caller(req), req.query),
    getContract: (req) => getContract(deps, caller(req), req.params.id),
    updateContract: (req) => updateDraft(deps, caller(req), req.params.id, req.body),
    submitContract: (req) => submitContract(deps, caller(req), req.params.id),
    takeContractForReview: (req) => takeForReview(deps, caller(req), req.params.id),
    returnContract: (req) => returnForCorrection(deps, caller(req), req.params.id, req.body.reasons),
    refuseContract: (req) => refuseRegistration(deps, caller(req), req.params.id, req.body),
    registerContract: (req) => registerContract(deps, caller(req), req.params.id, req.body),
    cancelContract: (req) => cancelRegistration(deps, caller(req), req.params.id, req.body.reason),
    listContractAmendments: (req) => listAmendments(deps, caller(req), req.params.id, req.query),
    requestContractAmendment: async (req, reply) =>
      reply.code(201).send(await requestAmendment(deps, caller(req), req.params.id, req.body)),
    approveContractAmendment: (req) =>
      approveAmendment(deps, caller(req), req.params.id, req.params.amendmentId, req.body?.note),
    rejectContractAmendment: (req) =>
      rejectAmendment(deps, caller(req), req.params.id, req.params.amendmentId, req.body?.note),
  });
}
