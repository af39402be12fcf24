import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindUntypedOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import {
  type AmendmentChanges,
  approveAmendment,
  cancelRegistration,
  listAmendments,
  rejectAmendment,
  requestAmendment,
} from './amendments.js';
import { holidayCalendar, importHolidayCalendar } from './calendar-admin.js';
import { calendarWarning } from './holiday-years.js';
import {
  type RegisterBody,
  type ReturnReason,
  refuseRegistration,
  registerContract,
  returnForCorrection,
  takeForReview,
} from './review.js';
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
import type { ContractInput } from './validation.js';
import type { Caller } from './view.js';

type Id = { Params: { id: string } };
type Page = { cursor?: string; limit?: number };
type YearQuery = { Querystring: { year: number; subCentreId?: string } & Page };

const caller = (req: FastifyRequest): Caller => ({ principal: req.principal, requestId: req.id });

export async function contractRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: ContractDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  // From 1 November /readyz warns while next year's holiday arrangement is not loaded.
  ctx.readinessChecks.holidayCalendar = async () => {
    const warning = await calendarWarning(ctx.database.db);
    return warning ? { warning } : undefined;
  };
  bindUntypedOperations(app, {
    getHolidayCalendar: (req: FastifyRequest) => holidayCalendar(deps, caller(req)),
    importHolidayCalendar: (req: FastifyRequest<{ Body: unknown }>) =>
      importHolidayCalendar(deps, caller(req), req.body),
    createContract: async (req: FastifyRequest<{ Body: ContractInput }>, reply: FastifyReply) =>
      reply.code(201).send(await createContract(deps, caller(req), req.body)),
    listContracts: (req: FastifyRequest<{ Querystring: Page & { status?: string } }>) =>
      listVisibleContracts(deps, caller(req), req.query),
    listOverdueContracts: (req: FastifyRequest<{ Querystring: Page }>) =>
      listOverdueContracts(deps, caller(req), req.query),
    getContractStatistics: (req: FastifyRequest<YearQuery>) => statistics(deps, caller(req), req.query),
    exportContractStatistics: async (req: FastifyRequest<YearQuery>, reply: FastifyReply) => {
      const csv = await statisticsCsv(deps, caller(req), req.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="contract-statistics-${req.query.year}.csv"`)
        .send(csv);
    },
    getContractTaxView: (req: FastifyRequest<YearQuery>) => taxView(deps, caller(req), req.query),
    getContractRewards: (req: FastifyRequest<YearQuery>) => rewardsReport(deps, caller(req), req.query),
    getContract: (req: FastifyRequest<Id>) => getContract(deps, caller(req), req.params.id),
    updateContract: (req: FastifyRequest<Id & { Body: ContractInput }>) =>
      updateDraft(deps, caller(req), req.params.id, req.body),
    submitContract: (req: FastifyRequest<Id>) => submitContract(deps, caller(req), req.params.id),
    takeContractForReview: (req: FastifyRequest<Id>) => takeForReview(deps, caller(req), req.params.id),
    returnContract: (req: FastifyRequest<Id & { Body: { reasons: ReturnReason[] } }>) =>
      returnForCorrection(deps, caller(req), req.params.id, req.body.reasons),
    refuseContract: (req: FastifyRequest<Id & { Body: { ground: string; text?: string } }>) =>
      refuseRegistration(deps, caller(req), req.params.id, req.body),
    registerContract: (req: FastifyRequest<Id & { Body: RegisterBody }>) =>
      registerContract(deps, caller(req), req.params.id, req.body),
    cancelContract: (req: FastifyRequest<Id & { Body: { reason: string } }>) =>
      cancelRegistration(deps, caller(req), req.params.id, req.body.reason),
    listContractAmendments: (req: FastifyRequest<Id & { Querystring: Page }>) =>
      listAmendments(deps, caller(req), req.params.id, req.query),
    requestContractAmendment: async (
      req: FastifyRequest<Id & { Body: { changes: AmendmentChanges; reason: string } }>,
      reply: FastifyReply,
    ) => reply.code(201).send(await requestAmendment(deps, caller(req), req.params.id, req.body)),
    approveContractAmendment: (
      req: FastifyRequest<{ Params: { id: string; amendmentId: string }; Body: { note?: string } }>,
    ) => approveAmendment(deps, caller(req), req.params.id, req.params.amendmentId, req.body?.note),
    rejectContractAmendment: (
      req: FastifyRequest<{ Params: { id: string; amendmentId: string }; Body: { note?: string } }>,
    ) => rejectAmendment(deps, caller(req), req.params.id, req.params.amendmentId, req.body?.note),
  });
}
