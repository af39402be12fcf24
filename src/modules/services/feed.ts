/**
 * The services module's rows in the change feed (`GET /v1/changes`, the catalog module's): an
 * offering's publication, edits while published and withdrawal are public; a request's and an
 * order's steps are private to the organisations party to them. Each helper runs in the caller's
 * transaction, so the feed row commits (or not) with the change itself.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { recordServiceChange, type ServiceChange } from '../catalog/index.js';
import { serviceQuotes } from './schema.js';

/**
 * An offering went public (`published`), a published one was edited (`updated`) or left the
 * public list (`withdrawn`).
 */
export function offeringChanged(
  tx: DbOrTx,
  offeringId: string,
  change: 'published' | 'updated' | 'withdrawn',
) {
  return recordServiceChange(tx, { type: 'service_offering', id: offeringId, change, audience: null });
}

/** A request's step, seen by the requester and the institutions named (those quoting). */
export function requestChanged(
  tx: DbOrTx,
  requestId: string,
  change: 'created' | 'quoted' | 'quote-withdrawn' | 'closed' | 'ordered',
  organisationIds: string[],
) {
  return recordServiceChange(tx, {
    type: 'service_request',
    id: requestId,
    change,
    audience: organisationIds,
  });
}

/** Every organisation that ever quoted for the request (withdrawn quotes included). */
export async function quotingOrganisations(tx: DbOrTx, requestId: string): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ organisationId: serviceQuotes.organisationId })
    .from(serviceQuotes)
    .where(eq(serviceQuotes.requestId, requestId));
  return rows.map((x) => x.organisationId);
}

/** An order's step (its webhook event's suffix), seen by the buyer and the institution only. */
export function orderChanged(
  tx: DbOrTx,
  order: { id: string; buyerOrganisationId: string; institutionOrganisationId: string },
  change: ServiceChange['change'],
) {
  return recordServiceChange(tx, {
    type: 'service_order',
    id: order.id,
    change,
    audience: [order.buyerOrganisationId, order.institutionOrganisationId],
  });
}
