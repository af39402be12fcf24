import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindUntypedOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { brokersOf, nameBroker, type SubjectType } from './brokers.js';
import { managerKey } from './contacts.js';
import {
  getManager,
  listManagers,
  type ManagerDeps,
  type ManagerInput,
  type ManagerListQuery,
  type ManagerPatch,
  managerView,
  type ReviewDecision,
  registerManager,
  reviewManager,
  updateManager,
} from './registry.js';
import { managerRewards, setAsides } from './rewards.js';
import './messages.js';
import './policies.js';

type Id = { Params: { managerId: string } };
type YearQuery = { Querystring: { year: number; cursor?: string; limit?: number } };
type BrokerReq = FastifyRequest<{ Params: Record<string, string>; Body: { managerId: string } }>;

export async function managerRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: ManagerDeps = {
    db: ctx.database.db,
    cursors: ctx.cursors,
    outbox: ctx.outbox,
    key: managerKey(ctx.secrets.appSecret),
  };
  const broker = (type: SubjectType, param: string) => async (req: BrokerReq, reply: FastifyReply) => {
    const subjectId = req.params[param]!;
    const r = await nameBroker(deps, req.principal, type, subjectId, req.body.managerId, req.id);
    return reply
      .code(r.created ? 201 : 200)
      .send({ subjectType: type, subjectId, brokers: await brokersOf(deps.db, type, subjectId) });
  };
  bindUntypedOperations(app, {
    listTechnologyManagers: (req: FastifyRequest<{ Querystring: ManagerListQuery }>) =>
      listManagers(deps, req.principal, req.query),
    registerTechnologyManager: async (req: FastifyRequest<{ Body: ManagerInput }>, reply: FastifyReply) => {
      const row = await registerManager(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/technology-managers/${row.id}`)
        .send(await managerView(deps, req.principal, row));
    },
    getTechnologyManager: (req: FastifyRequest<Id>) => getManager(deps, req.principal, req.params.managerId),
    updateTechnologyManager: async (req: FastifyRequest<Id & { Body: ManagerPatch }>) =>
      managerView(
        deps,
        req.principal,
        await updateManager(deps, req.principal, req.params.managerId, req.body, req.id),
      ),
    reviewTechnologyManager: async (
      req: FastifyRequest<Id & { Body: { decision: ReviewDecision; reason?: string } }>,
    ) =>
      managerView(
        deps,
        req.principal,
        await reviewManager(deps, req.principal, req.params.managerId, req.body, req.id),
      ),
    nameInterestBroker: broker('interest', 'interestId'),
    nameContractBroker: broker('contract', 'id'),
    nameServiceOrderBroker: broker('service_order', 'orderId'),
    getTechnologyManagerRewards: (req: FastifyRequest<YearQuery>) =>
      managerRewards(deps, req.principal, req.query),
    getTechnologyManagerSetAsides: (req: FastifyRequest<YearQuery>) =>
      setAsides(deps, req.principal, req.query),
  });
}
