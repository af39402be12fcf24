/**
 * Figures of registered contracts that the technology managers module reports on (per-manager
 * rewards and universities' set-aside): read-only, through the contracts module's public face.
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import type { ContractType } from './rules.js';
import { technologyContracts as t } from './schema.js';
import { effectiveAmountSql } from './stats.js';

/** The contracts among `ids` registered in `year` (cancelled ones no longer count), with amounts. */
export function registeredContractFigures(db: DbOrTx, ids: string[], year: number) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .select({
      id: t.id,
      registrationNumber: sql<string>`${t.registrationNumber}`,
      contractValueFen: t.contractValueFen,
      transactionAmountFen: sql<number>`(${effectiveAmountSql})::bigint`,
    })
    .from(t)
    .where(and(eq(t.status, 'registered'), eq(t.registrationYear, year), inArray(t.id, ids)))
    .orderBy(asc(t.registrationNumber));
}

/**
 * Per seller (by credit code) of the given party natures: the technology transaction amount
 * (registrar-determined where there is one, i.e. net of non-technical costs) of its registered
 * contracts of the given types in `year`. Keyset-paged by credit code.
 */
export function transferIncomeBySeller(
  db: DbOrTx,
  q: {
    year: number;
    partyNatures: readonly string[];
    types: readonly ContractType[];
    after?: string;
    limit: number;
  },
) {
  const seller = sql<string>`${t.seller}->>'creditCode'`;
  return db
    .select({
      sellerCreditCode: seller,
      sellerName: sql<string>`min(${t.seller}->>'name')`,
      partyNature: sql<string>`min(${t.seller}->>'partyNature')`,
      contractCount: sql<number>`count(*)::int`,
      netTransferIncomeFen: sql<number>`sum(${effectiveAmountSql})::bigint`,
    })
    .from(t)
    .where(
      and(
        eq(t.status, 'registered'),
        eq(t.registrationYear, q.year),
        inArray(t.type, [...q.types]),
        inArray(sql`${t.seller}->>'partyNature'`, [...q.partyNatures]),
        sql`${seller} IS NOT NULL`,
        q.after ? gt(seller, q.after) : undefined,
      ),
    )
    .groupBy(seller)
    .orderBy(asc(seller))
    .limit(q.limit);
}
