import type { FastifyInstance } from 'fastify';
import { bindOperations, type RequestOf } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { searchEngineFor } from '../matching/index.js';
import type { ServiceDeps } from './deps.js';
import type { OfferingAction, OrderAction } from './lifecycle.js';
import { createOffering, getOffering, listOfferings, offeringStep, updateOffering } from './offerings.js';
import {
  addMilestone,
  createOrder,
  getOrder,
  listOrders,
  listOverdue,
  type OrderStepInput,
  rateOrder,
  replyToRating,
  takeOrderStep,
} from './orders.js';
import {
  closeRequest,
  createQuote,
  createRequest,
  getRequest,
  listRequests,
  suggestOfferings,
  withdrawQuote,
} from './requests.js';
import { offeringView } from './views.js';
import './messages.js';
import './policies.js';

/** What the offering steps (submit, publish, reject, withdraw) need of their request. */
type OfferingStepRequest = Pick<RequestOf<'rejectServiceOffering'>, 'principal' | 'params' | 'id'> & {
  body?: { reason?: string };
};
/** What the order steps need of their request. */
type OrderStepRequest = Pick<RequestOf<'startServiceOrder'>, 'principal' | 'params' | 'id'> & {
  body?: OrderStepInput;
};

export async function serviceRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: ServiceDeps = {
    db: ctx.database.db,
    cursors: ctx.cursors,
    outbox: ctx.outbox,
    search: () => searchEngineFor(ctx),
  };
  const offering = async (action: OfferingAction, req: OfferingStepRequest) =>
    offeringView(
      await offeringStep(deps, req.principal, req.params.offeringId, action, req.body ?? {}, req.id),
    );
  // Every order step answers with the order as the caller now sees it.
  const order = async (action: Exclude<OrderAction, 'accept'>, req: OrderStepRequest) => {
    await takeOrderStep(deps, req.principal, req.params.orderId, action, req.body ?? {}, req.id);
    return getOrder(deps, req.principal, req.params.orderId);
  };
  bindOperations(app, {
    createServiceOffering: async (req, reply) => {
      const row = await createOffering(deps, req.principal, req.body, req.id);
      return reply.code(201).header('location', `/v1/service-offerings/${row.id}`).send(offeringView(row));
    },
    listServiceOfferings: (req) => listOfferings(deps, req.principal, req.query),
    getServiceOffering: (req) => getOffering(deps, req.principal, req.params.offeringId),
    updateServiceOffering: async (req) =>
      offeringView(await updateOffering(deps, req.principal, req.params.offeringId, req.body, req.id)),
    submitServiceOffering: (req) => offering('submit', req),
    publishServiceOffering: (req) => offering('publish', req),
    rejectServiceOffering: (req) => offering('reject', req),
    withdrawServiceOffering: (req) => offering('withdraw', req),

    createServiceRequest: async (req, reply) => {
      const row = await createRequest(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/service-requests/${row.id}`)
        .send(await getRequest(deps, req.principal, row.id));
    },
    listServiceRequests: (req) => listRequests(deps, req.principal, req.query),
    getServiceRequest: (req) => getRequest(deps, req.principal, req.params.requestId),
    suggestServiceOfferings: (req) => suggestOfferings(deps, req.principal, req.params.requestId),
    createServiceQuote: async (req, reply) =>
      reply.code(201).send(await createQuote(deps, req.principal, req.params.requestId, req.body, req.id)),

    withdrawServiceQuote: (req) =>
      withdrawQuote(deps, req.principal, req.params.requestId, req.params.quoteId, req.id),
    closeServiceRequest: (req) => closeRequest(deps, req.principal, req.params.requestId, req.id),
    createServiceOrder: async (req, reply) => {
      const row = await createOrder(deps, req.principal, req.body.quoteId, req.id);
      return reply
        .code(201)
        .header('location', `/v1/service-orders/${row.id}`)
        .send(await getOrder(deps, req.principal, row.id));
    },
    listServiceOrders: (req) => listOrders(deps, req.principal, req.query),
    listOverdueServiceOrders: (req) => listOverdue(deps, req.principal, req.query),
    getServiceOrder: (req) => getOrder(deps, req.principal, req.params.orderId),
    startServiceOrder: (req) => order('start', req),
    deliverServiceOrder: (req) => order('deliver', req),
    approveServiceOrder: (req) => order('approve', req),
    disputeServiceOrder: (req) => order('dispute', req),
    resolveServiceOrder: (req) => order('resolve', req),
    closeServiceOrder: (req) => order('close', req),
    cancelServiceOrder: (req) => order('cancel', req),
    addServiceOrderMilestone: async (req) => {
      await addMilestone(deps, req.principal, req.params.orderId, req.body, req.id);
      return getOrder(deps, req.principal, req.params.orderId);
    },
    rateServiceOrder: async (req) => {
      await rateOrder(deps, req.principal, req.params.orderId, req.body, req.id);
      return getOrder(deps, req.principal, req.params.orderId);
    },
    replyServiceOrderRating: async (req) => {
      await replyToRating(deps, req.principal, req.params.orderId, req.body, req.id);
      return getOrder(deps, req.principal, req.params.orderId);
    },
  });
}
