/**
 * Webhook events of the contract review flow (contract.submitted, contract.refused,
 * contract.registered), emitted in the transaction of the state change. The audience is the
 * contract's parties known to the exchange: the applying organisation and the verified
 * organisations holding the seller's or buyer's credit code. Payloads carry ids, dates and codes,
 * never names, amounts or free text.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { constantText, type Text, text } from '../../platform/statement.js';
import { findVerifiedOrganisationIdsByCreditCodes, verifiedOrganisationIdsSql } from '../identity/index.js';
import { emitEventInTx, type PreparedEvent, preparedEvent } from '../integration/index.js';
import type { ContractRow } from './repository.js';
import { technologyContracts } from './schema.js';
import type { PartyInput } from './validation.js';

/** The organisations a contract's events reach (looked up before any counter lock is taken). */
export async function contractAudience(tx: DbOrTx, r: ContractRow): Promise<string[]> {
  const codes = [r.seller, r.buyer].map((p) => (p as PartyInput).creditCode ?? '');
  const parties = await findVerifiedOrganisationIdsByCreditCodes(tx, codes);
  return audienceOf(
    r,
    parties.map((p) => p.id),
  );
}

/**
 * `contractAudience`'s look-up as a scalar subquery of the statement that locks the contract
 * (repository.ts, `lockContractWith`): the parties' verified organisations, read with the row.
 */
export const partyOrganisationsSql = (): SQL<string[]> =>
  verifiedOrganisationIdsSql(
    sql`ARRAY[${technologyContracts.seller}->>'creditCode', ${technologyContracts.buyer}->>'creditCode']`,
  );

/**
 * For a statement written as text (repository.ts `lockContractWith` with `parties`):
 * `PARTY_ORGANISATIONS` reads the parties' organisations into `parties.ids`, `PARTIES_IDS`
 * selects them, and `AUDIENCE_SQL` is the audience (the applicant and them) as a uuid[].
 */
export const PARTY_ORGANISATIONS: Text = constantText(partyOrganisationsSql());
export const PARTIES_IDS: Text = text`parties.ids`;
export const AUDIENCE_SQL =
  'ARRAY[technology_contracts.organisation_id] || ARRAY(SELECT json_array_elements_text(parties.ids)::uuid)';

/**
 * A contract's event to the audience, for the subscriptions `endpointIds` read with the row
 * (integration's `subscribedEndpointsText` over `AUDIENCE_SQL`).
 */
export function contractEvent(
  type: 'contract.submitted' | 'contract.registered',
  r: ContractRow,
  data: Record<string, unknown>,
  audience: string[],
  endpointIds: string[],
): PreparedEvent {
  return preparedEvent(
    { type, subjectId: r.id, organisationIds: audience, data: { id: r.id, ...data } },
    endpointIds,
  );
}

/** The audience from the parties' organisations read by `partyOrganisationsSql`. */
export function audienceOf(r: ContractRow, partyOrganisationIds: readonly string[]): string[] {
  return [...new Set([r.organisationId, ...partyOrganisationIds])];
}

export async function emitContractEventInTx(
  tx: DbOrTx,
  type: 'contract.submitted' | 'contract.refused' | 'contract.registered',
  r: ContractRow,
  data: Record<string, unknown>,
  audience?: string[],
): Promise<void> {
  await emitEventInTx(tx, {
    type,
    subjectId: r.id,
    organisationIds: audience ?? (await contractAudience(tx, r)),
    data: { id: r.id, ...data },
  });
}
