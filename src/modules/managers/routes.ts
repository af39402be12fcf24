import type { FastifyInstance } from 'fastify';
import { bindOperations, type RequestOf } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { brokersOf, nameBroker, type SubjectType } from './brokers.js';
import { managerKey } from './contacts.js';
import {
  getManager,
  listManagers,
  type ManagerDeps,
  managerView,
  registerManager,
  reviewManager,
  updateManager,
} from './registry.js';
import { managerRewards, setAsides } from './rewards.js';
import './messages.js';
import './policies.js';

/** What naming a broker needs of its request (the interest and contract operations share it). */
type BrokerRequest = Pick<RequestOf<'nameInterestBroker'>, 'principal' | 'body' | 'id'>;

export async function managerRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: ManagerDeps = {
    db: ctx.database.db,
    cursors: ctx.cursors,
    outbox: ctx.outbox,
    key: managerKey(ctx.secrets.appSecret),
  };
  /** Names the broker; the status (201 when newly named, else 200) and the subject's brokers. */
  const broker = async (type: SubjectType, subjectId: string, req: BrokerRequest) => {
    const r = await nameBroker(deps, req.principal, type, subjectId, req.body.managerId, req.id);
    const body = { subjectType: type, subjectId, brokers: await brokersOf(deps.db, type, subjectId) };
    return { status: r.created ? 201 : 200, body };
  };
  bindOperations(app, {
    listTechnologyManagers: (req) => listManagers(deps, req.principal, req.query),
    registerTechnologyManager: async (req, reply) => {
      const row = await registerManager(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/technology-managers/${row.id}`)
        .send(await managerView(deps, req.principal, row));
    },
    getTechnologyManager: (req) => getManager(deps, req.principal, req.params.managerId),
    updateTechnologyManager: async (req) =>
      managerView(
        deps,
        req.principal,
        await updateManager(deps, req.principal, req.params.managerId, req.body, req.id),
      ),
    reviewTechnologyManager: async (req) =>
      managerView(
        deps,
        req.principal,
        await reviewManager(deps, req.principal, req.params.managerId, req.body, req.id),
      ),
    nameInterestBroker: async (req, reply) => {
      const r = await broker('interest', req.params.interestId, req);
      return reply.code(r.status).send(r.body);
    },
    nameContractBroker: async (req, reply) => {
      const r = await broker('contract', req.params.id, req);
      return reply.code(r.status).send(r.body);
    },
    nameServiceOrderBroker: async (req, reply) => {
      const r = await broker('service_order', req.params.orderId, req);
      return reply.code(r.status).send(r.body);
    },
    getTechnologyManagerRewards: (req) => managerRewards(deps, req.principal, req.query),
    getTechnologyManagerSetAsides: (req) => setAsides(deps, req.principal, req.query),
  });
}
