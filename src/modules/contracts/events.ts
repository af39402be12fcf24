/**
 * Webhook events of the contract review flow (contract.submitted, contract.refused,
 * contract.registered), emitted in the transaction of the state change. The audience is the
 * contract's parties known to the exchange: the applying organisation and the verified
 * organisations holding the seller's or buyer's credit code. Payloads carry ids, dates and codes,
 * never names, amounts or free text.
 */
import type { DbOrTx } from '../../platform/db.js';
import { findVerifiedOrganisationIdsByCreditCodes } from '../identity/index.js';
import { emitEventInTx, type PreparedEvent, prepareEventInTx } from '../integration/index.js';
import type { ContractRow } from './repository.js';
import type { PartyInput } from './validation.js';

/** The organisations a contract's events reach (looked up before any counter lock is taken). */
export async function contractAudience(tx: DbOrTx, r: ContractRow): Promise<string[]> {
  const codes = [r.seller, r.buyer].map((p) => (p as PartyInput).creditCode ?? '');
  const parties = await findVerifiedOrganisationIdsByCreditCodes(tx, codes);
  return [...new Set([r.organisationId, ...parties.map((p) => p.id)])];
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
  type: 'contract.registered',
  r: ContractRow,
  data: Record<string, unknown>,
): Promise<PreparedEvent> {
  return prepareEventInTx(tx, {
    type,
    subjectId: r.id,
    organisationIds: await contractAudience(tx, r),
    data: { id: r.id, ...data },
  });
}
