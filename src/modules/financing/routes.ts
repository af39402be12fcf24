import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindUntypedOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { contactKey } from './contacts.js';
import type { FinancingDeps } from './deps.js';
import {
  createInvestment,
  getInvestment,
  type InvestmentInput,
  listInvestments,
  type StepInput,
  takeInvestmentStep,
} from './investments.js';
import { getInvestor, type InvestorInput, listInvestors, putInvestor } from './investors.js';
import {
  applyToPresent,
  createRoadshow,
  decidePresentation,
  getRoadshow,
  listRoadshows,
  type PresentationInput,
  type RoadshowInput,
  registerInvestor,
  roadshowMatches,
} from './roadshows.js';
import type { Action } from './rules.js';
import './messages.js';
import './policies.js';

type Org = { Params: { organisationId: string } };
type Show = { Params: { roadshowId: string } };
type Inv = { Params: { investmentInterestId: string } };

export async function financingRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: FinancingDeps = {
    db: ctx.database.db,
    cursors: ctx.cursors,
    outbox: ctx.outbox,
    contactKey: contactKey(ctx.secrets.appSecret),
  };
  const step = (action: Action) => async (req: FastifyRequest<Inv & { Body?: StepInput }>) => {
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
  bindUntypedOperations(app, {
    listInvestors: (req: FastifyRequest<{ Querystring: Parameters<typeof listInvestors>[1] }>) =>
      listInvestors(deps, req.query),
    getInvestor: (req: FastifyRequest<Org>) => getInvestor(deps, req.params.organisationId),
    putInvestor: (req: FastifyRequest<Org & { Body: InvestorInput }>) =>
      putInvestor(deps, req.principal, req.params.organisationId, req.body, req.id),
    listRoadshows: (req: FastifyRequest<{ Querystring: Parameters<typeof listRoadshows>[1] }>) =>
      listRoadshows(deps, req.query),
    createRoadshow: async (req: FastifyRequest<{ Body: RoadshowInput }>, reply: FastifyReply) => {
      const row = await createRoadshow(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/roadshows/${row.id}`)
        .send(await getRoadshow(deps, req.principal, row.id));
    },
    getRoadshow: (req: FastifyRequest<Show>) => getRoadshow(deps, req.principal, req.params.roadshowId),
    applyRoadshowPresentation: async (
      req: FastifyRequest<Show & { Body: PresentationInput }>,
      reply: FastifyReply,
    ) =>
      reply
        .code(201)
        .send(await applyToPresent(deps, req.principal, req.params.roadshowId, req.body, req.id)),
    decideRoadshowPresentation: (
      req: FastifyRequest<{
        Params: { roadshowId: string; presentationId: string };
        Body: { decision: 'accept' | 'decline' };
      }>,
    ) =>
      decidePresentation(
        deps,
        req.principal,
        req.params.roadshowId,
        req.params.presentationId,
        req.body.decision,
        req.id,
      ),
    registerRoadshowInvestor: (req: FastifyRequest<Show>) =>
      registerInvestor(deps, req.principal, req.params.roadshowId, req.id),
    getRoadshowMatches: (req: FastifyRequest<Show>) =>
      roadshowMatches(deps, req.principal, req.params.roadshowId),
    createInvestmentInterest: async (req: FastifyRequest<{ Body: InvestmentInput }>, reply: FastifyReply) => {
      const row = await createInvestment(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/investment-interests/${row.id}`)
        .send(await getInvestment(deps, req.principal, row.id));
    },
    listInvestmentInterests: (req: FastifyRequest<{ Querystring: Parameters<typeof listInvestments>[2] }>) =>
      listInvestments(deps, req.principal, req.query),
    getInvestmentInterest: (req: FastifyRequest<Inv>) =>
      getInvestment(deps, req.principal, req.params.investmentInterestId),
    acceptInvestmentInterest: step('accept'),
    declineInvestmentInterest: step('decline'),
    withdrawInvestmentInterest: step('withdraw'),
  });
}
