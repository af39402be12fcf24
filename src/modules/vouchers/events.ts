/**
 * Webhook events of vouchers (voucher.issued, voucher.revoked), emitted in the issuing or
 * revoking transaction. Audience: the verified organisations holding a party's credit code, plus
 * the submitting partner's organisation for a partner-submitted (data product) transaction.
 *
 * Never public: a voucher's page is open to whoever knows its number, and the number alone
 * would then show every subscriber the parties' names and the amounts. When no party is known to
 * the exchange the event is still recorded, restricted to nobody (`organisationIds: []`).
 * Payloads carry ids, the number, dates and codes; no names, amounts or free text.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db, DbOrTx } from '../../platform/db.js';
import { UUID_RE } from '../../platform/ids.js';
import { findVerifiedOrganisationIdsByCreditCodes } from '../identity/index.js';
import { type EventInput, emitEventsInTx } from '../integration/index.js';
import type { VoucherRequest } from './request.js';

/** Source type of partner-submitted transactions (submissions.ts): source id `<orgId>:<externalId>`. */
const PARTNER_SOURCE = 'data_product';

export interface VoucherFacts {
  transactionId: string;
  sourceType: string;
  sourceId: string;
  request: VoucherRequest;
  number: string;
}

const submitterOf = (f: VoucherFacts): string | undefined => {
  const org = f.sourceId.slice(0, f.sourceId.indexOf(':'));
  return f.sourceType === PARTNER_SOURCE && UUID_RE.test(org) ? org : undefined;
};

/** The audience of each voucher, in order: one identity look-up for the whole batch. */
async function audiences(db: DbOrTx, facts: VoucherFacts[]): Promise<string[][]> {
  const codes = facts.flatMap((f) => (f.request.parties ?? []).map((p) => p.creditCode));
  const byCode = new Map(
    (await findVerifiedOrganisationIdsByCreditCodes(db, codes)).map((o) => [o.creditCode, o.id]),
  );
  return facts.map((f) => {
    const ids = (f.request.parties ?? []).flatMap((p) => byCode.get(p.creditCode) ?? []);
    const submitter = submitterOf(f);
    return [...new Set(submitter ? [...ids, submitter] : ids)];
  });
}

function common(f: VoucherFacts) {
  const source = {
    type: f.sourceType,
    id: submitterOf(f) ? f.sourceId.slice(f.sourceId.indexOf(':') + 1) : f.sourceId,
  };
  return {
    number: f.number,
    type: f.request.type,
    transactionId: f.transactionId,
    source,
    ...(f.request.contractRegistrationNumber
      ? { contractRegistrationNumber: f.request.contractRegistrationNumber }
      : {}),
  };
}

/**
 * voucher.issued for each voucher of an issuing batch (on the issuer's pg client, inside its
 * BEGIN/COMMIT), and voucher.revoked too for one issued already revoked.
 */
export async function emitIssuedEvents(
  client: pg.PoolClient,
  issued: (VoucherFacts & { issuedAt: Date; revoked: boolean })[],
): Promise<void> {
  if (issued.length === 0) return;
  const db = drizzle(client) as unknown as Db;
  const who = await audiences(db, issued);
  const events: EventInput[] = issued.flatMap((f, i) => {
    const base = { subjectId: f.number, organisationIds: who[i]! };
    const out: EventInput[] = [
      {
        ...base,
        type: 'voucher.issued',
        data: { ...common(f), issuedAt: f.issuedAt.toISOString(), status: f.revoked ? 'revoked' : 'active' },
      },
    ];
    if (f.revoked)
      out.push({
        ...base,
        type: 'voucher.revoked',
        data: { ...common(f), revokedAt: f.issuedAt.toISOString() },
      });
    return out;
  });
  await emitEventsInTx(db, events);
}

/** voucher.revoked for a voucher revoked now (not for one already revoked). */
export async function emitRevokedEventInTx(tx: DbOrTx, f: VoucherFacts, revokedAt: Date): Promise<void> {
  const [who] = await audiences(tx, [f]);
  await emitEventsInTx(tx, [
    {
      type: 'voucher.revoked',
      subjectId: f.number,
      organisationIds: who!,
      data: { ...common(f), revokedAt: revokedAt.toISOString() },
    },
  ]);
}
