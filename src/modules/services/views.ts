import type { Schema } from '../../platform/http/operations.js';
import { SERVICE_KINDS, type ServiceKind } from './kinds.js';
import type {
  serviceOfferings,
  serviceOrderEvents,
  serviceOrders,
  serviceQuotes,
  serviceRequests,
} from './schema.js';

export type OfferingRow = typeof serviceOfferings.$inferSelect;
export type RequestRow = typeof serviceRequests.$inferSelect;
export type QuoteRow = typeof serviceQuotes.$inferSelect;
export type OrderRow = typeof serviceOrders.$inferSelect;
export type OrderEventRow = typeof serviceOrderEvents.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const label = (kind: string) => SERVICE_KINDS[kind as ServiceKind] ?? kind;

export function offeringView(r: OfferingRow): Schema<'ServiceOffering'> {
  return {
    id: r.id,
    organisationId: r.organisationId,
    kind: r.kind,
    kindLabel: label(r.kind),
    title: r.title,
    description: r.description,
    priceModel: r.priceModel,
    priceFen: r.priceFen,
    turnaroundDays: r.turnaroundDays,
    regionCodes: r.regionCodes,
    fieldCodes: r.fieldCodes,
    qualification: (r.qualification as { licenceNo: string; validUntil: string } | null) ?? null,
    status: r.status,
    rejectReason: r.rejectReason,
    rating: {
      count: r.ratingCount,
      average: r.ratingCount ? Math.round((r.ratingSum / r.ratingCount) * 10) / 10 : null,
    },
    publishedAt: iso(r.publishedAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function quoteView(q: QuoteRow): Schema<'ServiceQuote'> {
  return {
    id: q.id,
    requestId: q.requestId,
    offeringId: q.offeringId,
    organisationId: q.organisationId,
    priceFen: q.priceFen,
    turnaroundDays: q.turnaroundDays,
    validUntil: q.validUntil,
    note: q.note,
    createdAt: q.createdAt.toISOString(),
    withdrawnAt: q.withdrawnAt?.toISOString() ?? null,
  };
}

export function requestView(r: RequestRow): Schema<'ServiceRequest'> {
  return {
    id: r.id,
    organisationId: r.organisationId,
    kind: r.kind,
    kindLabel: label(r.kind),
    title: r.title,
    description: r.description,
    fieldCodes: r.fieldCodes,
    regionCode: r.regionCode,
    subject: (r.subject as Schema<'ServiceRequestSubject'> | null) ?? null, // validated on input
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function orderView(r: OrderRow): Schema<'ServiceOrder'> {
  return {
    id: r.id,
    requestId: r.requestId,
    quoteId: r.quoteId,
    offeringId: r.offeringId,
    kind: r.kind,
    kindLabel: label(r.kind),
    title: r.title,
    buyerOrganisationId: r.buyerOrganisationId,
    institutionOrganisationId: r.institutionOrganisationId,
    priceFen: r.priceFen,
    turnaroundDays: r.turnaroundDays,
    status: r.status,
    dueDate: r.dueDate,
    milestones: r.milestones as { title: string; note?: string; at: string }[],
    deliverables: r.deliverables as { name: string; sha256: string }[],
    dispute: (r.dispute as Record<string, unknown> | null) ?? null,
    cancelReason: (r.cancelReason as { code: string; text?: string } | null) ?? null,
    rating: (r.rating as { score: number; text: string; at: string } | null) ?? null,
    ratingReply: (r.ratingReply as { text: string; at: string } | null) ?? null,
    deliveredAt: iso(r.deliveredAt),
    closedAt: iso(r.closedAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
