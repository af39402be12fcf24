/**
 * Webhook events of the contract review flow (contract.submitted, contract.refused,
 * contract.registered), emitted in the transaction of the state change. The audience is the
 * contract's parties known to the exchange: the applying organisation and the verified
 * organisations holding the seller's or buyer's credit code. Payloads carry ids, dates and codes,
 * never names, amounts or free text.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { findVerifiedOrganisationIdsByCreditCodes, verifiedOrganisationIdsSql } from '../identity/index.js';
import { emitEventInTx, type PreparedEvent, prepareEventInTx } from '../integration/index.js';
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

/** `emitContractEventInTx`'s first half, for an event written inside the registration statement. */
export async function prepareContractEventInTx(
  tx: DbOrTx,
  type: 'contract.submitted' | 'contract.registered',
  r: ContractRow,
  data: Record<string, unknown>,
  audience?: string[],
): Promise<PreparedEvent> {
  return prepareEventInTx(tx, {
    type,
    subjectId: r.id,
    organisationIds: audience ?? (await contractAudience(tx, r)),
    data: { id: r.id, ...data },
  });
}
