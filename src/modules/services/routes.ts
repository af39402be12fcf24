import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindUntypedOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import type { ServiceDeps } from './deps.js';
import type { OfferingAction, OrderAction } from './lifecycle.js';
import {
  createOffering,
  getOffering,
  listOfferings,
  type OfferingInput,
  type OfferingQuery,
  offeringStep,
  updateOffering,
} from './offerings.js';
import {
  addMilestone,
  createOrder,
  getOrder,
  listOrders,
  listOverdue,
  type OrderQuery,
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
  type QuoteInput,
  type RequestInput,
  type RequestQuery,
  suggestOfferings,
  withdrawQuote,
} from './requests.js';
import { offeringView } from './views.js';
import './messages.js';
import './policies.js';

type OfferingReq<B = unknown> = FastifyRequest<{ Params: { offeringId: string }; Body: B }>;
type RequestReq<B = unknown> = FastifyRequest<{ Params: { requestId: string }; Body: B }>;
type OrderReq<B = unknown> = FastifyRequest<{ Params: { orderId: string }; Body: B }>;

export async function serviceRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps: ServiceDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  const offering = (action: OfferingAction) => async (req: OfferingReq<{ reason?: string }>) =>
    offeringView(
      await offeringStep(deps, req.principal, req.params.offeringId, action, req.body ?? {}, req.id),
    );
  // Every order step answers with the order as the caller now sees it.
  const order = (action: Exclude<OrderAction, 'accept'>) => async (req: OrderReq<OrderStepInput>) => {
    await takeOrderStep(deps, req.principal, req.params.orderId, action, req.body ?? {}, req.id);
    return getOrder(deps, req.principal, req.params.orderId);
  };
  bindUntypedOperations(app, {
    createServiceOffering: async (req: FastifyRequest<{ Body: OfferingInput }>, reply: FastifyReply) => {
      const row = await createOffering(deps, req.principal, req.body, req.id);
      return reply.code(201).header('location', `/v1/service-offerings/${row.id}`).send(offeringView(row));
    },
    listServiceOfferings: (req: FastifyRequest<{ Querystring: OfferingQuery }>) =>
      listOfferings(deps, req.principal, req.query),
    getServiceOffering: (req: OfferingReq) => getOffering(deps, req.principal, req.params.offeringId),
    updateServiceOffering: async (req: OfferingReq<OfferingInput>) =>
      offeringView(await updateOffering(deps, req.principal, req.params.offeringId, req.body, req.id)),
    submitServiceOffering: offering('submit'),
    publishServiceOffering: offering('publish'),
    rejectServiceOffering: offering('reject'),
    withdrawServiceOffering: offering('withdraw'),

    createServiceRequest: async (req: FastifyRequest<{ Body: RequestInput }>, reply: FastifyReply) => {
      const row = await createRequest(deps, req.principal, req.body, req.id);
      return reply
        .code(201)
        .header('location', `/v1/service-requests/${row.id}`)
        .send(await getRequest(deps, req.principal, row.id));
    },
    listServiceRequests: (req: FastifyRequest<{ Querystring: RequestQuery }>) =>
      listRequests(deps, req.principal, req.query),
    getServiceRequest: (req: RequestReq) => getRequest(deps, req.principal, req.params.requestId),
    suggestServiceOfferings: (req: RequestReq) => suggestOfferings(deps, req.principal, req.params.requestId),
    createServiceQuote: async (req: RequestReq<QuoteInput>, reply: FastifyReply) =>
      reply.code(201).send(await createQuote(deps, req.principal, req.params.requestId, req.body, req.id)),

    withdrawServiceQuote: (req: FastifyRequest<{ Params: { requestId: string; quoteId: string } }>) =>
      withdrawQuote(deps, req.principal, req.params.requestId, req.params.quoteId, req.id),
    closeServiceRequest: (req: RequestReq) => closeRequest(deps, req.principal, req.params.requestId, req.id),
    createServiceOrder: async (req: FastifyRequest<{ Body: { quoteId: string } }>, reply: FastifyReply) => {
      const row = await createOrder(deps, req.principal, req.body.quoteId, req.id);
      return reply
        .code(201)
        .header('location', `/v1/service-orders/${row.id}`)
        .send(await getOrder(deps, req.principal, row.id));
    },
    listServiceOrders: (req: FastifyRequest<{ Querystring: OrderQuery }>) =>
      listOrders(deps, req.principal, req.query),
    listOverdueServiceOrders: (req: FastifyRequest<{ Querystring: OrderQuery }>) =>
      listOverdue(deps, req.principal, req.query),
    getServiceOrder: (req: OrderReq) => getOrder(deps, req.principal, req.params.orderId),
    startServiceOrder: order('start'),
    deliverServiceOrder: order('deliver'),
    approveServiceOrder: order('approve'),
    disputeServiceOrder: order('dispute'),
    resolveServiceOrder: order('resolve'),
    closeServiceOrder: order('close'),
    cancelServiceOrder: order('cancel'),
    addServiceOrderMilestone: async (req: OrderReq<{ title: string; note?: string }>) => {
      await addMilestone(deps, req.principal, req.params.orderId, req.body, req.id);
      return getOrder(deps, req.principal, req.params.orderId);
    },
    rateServiceOrder: async (req: OrderReq<{ score: number; text: string }>) => {
      await rateOrder(deps, req.principal, req.params.orderId, req.body, req.id);
      return getOrder(deps, req.principal, req.params.orderId);
    },
    replyServiceOrderRating: async (req: OrderReq<{ text: string }>) => {
      await replyToRating(deps, req.principal, req.params.orderId, req.body, req.id);
      return getOrder(deps, req.principal, req.params.orderId);
    },
  });
}
