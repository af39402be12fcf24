import { definePolicies } from '../../platform/authz.js';
import type { Principal } from '../../platform/principal.js';
import type { webhookDeliveries, webhookEndpoints } from './schema.js';

/** Who owns a webhook subscription, who may see or change it, and how it is shown. */
type Endpoint = typeof webhookEndpoints.$inferSelect;

/** A subscription belongs to the caller's organisation, or to the caller itself when it has none. */
export const ownerKeyOf = (p: Principal): string =>
  p.organisationId ? `org:${p.organisationId}` : `${p.kind}:${p.id}`;

definePolicies({
  // Someone else's subscription is hidden (404); a plain member of the owner organisation may
  // look but not change (webhooks are an organisation-admin or client matter).
  'webhook.read': (p: Principal | undefined, e: Endpoint) =>
    p && ownerKeyOf(p) === e.ownerKey ? 'allow' : 'hide',
  'webhook.manage': (p: Principal | undefined, e: Endpoint) => {
    if (!p || ownerKeyOf(p) !== e.ownerKey) return 'hide';
    return p.kind === 'client' || !p.organisationId || p.orgRole === 'org_admin' ? 'allow' : 'deny';
  },
});

export function subscriptionView(e: Endpoint) {
  const graceActive = e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date();
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    status: e.status,
    disabledReason: e.disabledReason,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    secretRotatedUntil: graceActive ? e.previousSecretExpiresAt!.toISOString() : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export function deliveryView(d: typeof webhookDeliveries.$inferSelect, eventType: string) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType,
    status: d.status,
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    responseBody: d.responseBody,
    durationMs: d.durationMs,
    lastError: d.lastError,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}
