import type { FastifyInstance } from 'fastify';
import { bindOperations, type RequestOf } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { contactKey } from './contacts.js';
import type { FinancingDeps } from './deps.js';
import {
  createInvestment,
  getInvestment,
  listInvestments,
  type StepInput,
  takeInvestmentStep,
} from './investments.js';
import { getInvestor, listInvestors, putInvestor } from './investors.js';
import {
  applyToPresent,
  cancelRoadshow,
  createRoadshow,
  decidePresentation,
  getRoadshow,
  listRoadshows,
  registerInvestor,
  roadshowMatches,
  updateRoadshow,
} from './roadshows.js';
import type { Action } from './rules.js';
import './messages.js';
import './policies.js';

/** What a step of an investment interest needs of its request (accept, decline and withdraw share it). */
type StepRequest = Pick<RequestOf<'acceptInvestmentInterest'>, 'principal' | 'params' | 'id'> & {
  body?: StepInput;
};

export async function financingRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: FinancingDeps = {
    db: ctx.database.db,
    cursors: ctx.cursors,
    outbox: ctx.outbox,
    contactKey: contactKey(ctx.secrets.appSecret),
  };
  const step = async (action: Action, req: StepRequest) => {
    await takeInvestmentStep(
      deps,
      req.principal,
      req.params.investmentInterestId,
      action,
      req.body ?? {},
      req.id,
    );
    return getInvestment(deps, req.principal, req.params.investmentInterestId);
  };
  bindOperations(app, {
    listInvestors: (req) => listInvestors(deps, req.query),
    getInvestor: (req) => getInvestor(deps, req.params.organisationId),
    putInvestor: (req) => putInvestor(deps, req.principal, req.params.organisationId, req.body, req.id),
    listRoadshows: (req) => listRoadshows(deps, req.query),
    createRoadshow: async (req, reply) => {
      const row = await createRoadshow(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/roadshows/${row.id}`)
        .send(await getRoadshow(deps, req.principal, row.id));
    },
    getRoadshow: (req) => getRoadshow(deps, req.principal, req.params.roadshowId),
    updateRoadshow: (req) => updateRoadshow(deps, req.principal, req.params.roadshowId, req.body, req.id),
    cancelRoadshow: (req) =>
      cancelRoadshow(deps, req.principal, req.params.roadshowId, req.body.reason, req.id),
    applyRoadshowPresentation: async (req, reply) =>
      reply
        .code(201)
        .send(await applyToPresent(deps, req.principal, req.params.roadshowId, req.body, req.id)),
    decideRoadshowPresentation: (req) =>
      decidePresentation(
        deps,
        req.principal,
        req.params.roadshowId,
        req.params.presentationId,
        req.body.decision,
        req.id,
      ),
    registerRoadshowInvestor: (req) => registerInvestor(deps, req.principal, req.params.roadshowId, req.id),
    getRoadshowMatches: (req) => roadshowMatches(deps, req.principal, req.params.roadshowId),
    createInvestmentInterest: async (req, reply) => {
      const row = await createInvestment(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/investment-interests/${row.id}`)
        .send(await getInvestment(deps, req.principal, row.id));
    },
    listInvestmentInterests: (req) => listInvestments(deps, req.principal, req.query),
    getInvestmentInterest: (req) => getInvestment(deps, req.principal, req.params.investmentInterestId),
    acceptInvestmentInterest: (req) => step('accept', req),
    declineInvestmentInterest: (req) => step('decline', req),
    withdrawInvestmentInterest: (req) => step('withdraw', req),
  });
}
