import type { FastifyInstance } from 'fastify';
import { bindOperations, type RequestOf } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { linkContract, type StepInput, takeStep } from './actions.js';
import { contactKey } from './contacts.js';
import { createInterest } from './create.js';
import type { InterestDeps } from './deps.js';
import type { Action } from './lifecycle.js';
import { matchingQuality } from './quality.js';
import { getInterest, listInterests } from './queries.js';
import './messages.js';
import './policies.js';

/** What a lifecycle step reads from its request (each step operation's request has it). */
type StepRequest = Pick<RequestOf<'acceptInterest'>, 'principal' | 'params' | 'id'> & { body?: StepInput };

export async function interestRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: InterestDeps = {
    db: ctx.database.db,
    cursors: ctx.cursors,
    outbox: ctx.outbox,
    contactKey: contactKey(ctx.secrets.appSecret),
  };
  // Every step answers with the interest as the caller now sees it (contacts, history).
  const step = (action: Action) => async (req: StepRequest) => {
    await takeStep(deps, req.principal, req.params.interestId, action, req.body ?? {}, req.id);
    return getInterest(deps, req.principal, req.params.interestId);
  };
  bindOperations(app, {
    createInterest: async (req, reply) => {
      const row = await createInterest(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/interests/${row.id}`)
        .send(await getInterest(deps, req.principal, row.id));
    },
    listInterests: (req) => listInterests(deps, req.principal, req.query),
    getInterest: (req) => getInterest(deps, req.principal, req.params.interestId),
    acceptInterest: step('accept'),
    declineInterest: step('decline'),
    negotiateInterest: step('negotiate'),
    dealInterest: step('deal'),
    withdrawInterest: step('withdraw'),
    closeInterest: step('close'),
    getMatchingQuality: (req) => matchingQuality(deps.db, req.principal, req.query),
    linkInterestContract: async (req) => {
      await linkContract(deps, req.principal, req.params.interestId, req.body.contractId, req.id);
      return getInterest(deps, req.principal, req.params.interestId);
    },
  });
}
