import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { linkContract, type StepInput, takeStep } from './actions.js';
import { contactKey } from './contacts.js';
import { type CreateInterestInput, createInterest } from './create.js';
import type { InterestDeps } from './deps.js';
import type { Action } from './lifecycle.js';
import { getInterest, type ListQuery, listInterests } from './queries.js';
import './messages.js';
import './policies.js';

type Id = { Params: { interestId: string } };
type StepReq = FastifyRequest<Id & { Body?: StepInput }>;

export async function interestRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: InterestDeps = {
    db: ctx.database.db,
    cursors: ctx.cursors,
    outbox: ctx.outbox,
    contactKey: contactKey(ctx.secrets.appSecret),
  };
  // Every step answers with the interest as the caller now sees it (contacts, history).
  const step = (action: Action) => async (req: StepReq) => {
    await takeStep(deps, req.principal, req.params.interestId, action, req.body ?? {}, req.id);
    return getInterest(deps, req.principal, req.params.interestId);
  };
  bindOperations(app, {
    createInterest: async (req: FastifyRequest<{ Body: CreateInterestInput }>, reply: FastifyReply) => {
      const row = await createInterest(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/interests/${row.id}`)
        .send(await getInterest(deps, req.principal, row.id));
    },
    listInterests: (req: FastifyRequest<{ Querystring: ListQuery }>) =>
      listInterests(deps, req.principal, req.query),
    getInterest: (req: FastifyRequest<Id>) => getInterest(deps, req.principal, req.params.interestId),
    acceptInterest: step('accept'),
    declineInterest: step('decline'),
    negotiateInterest: step('negotiate'),
    dealInterest: step('deal'),
    withdrawInterest: step('withdraw'),
    closeInterest: step('close'),
    linkInterestContract: async (req: FastifyRequest<Id & { Body: { contractId: string } }>) => {
      await linkContract(deps, req.principal, req.params.interestId, req.body.contractId, req.id);
      return getInterest(deps, req.principal, req.params.interestId);
    },
  });
}
