/**
 * Policy rewards of the measure's annex (settings.json): a transfer institution receives a share
 * of the technology transaction amount of the registered contracts it brokered in a year, up to
 * a cap per institution and year. The report lists the contracts behind every figure.
 */
import { and, asc, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import { authorize, requirePrincipal } from '../../platform/authz.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import { findOrganisation } from '../identity/index.js';
import { rewardFen, SETTINGS } from './rules.js';
import { technologyContracts as t } from './schema.js';
import type { ContractDeps } from './service.js';
import { effectiveAmountSql } from './stats.js';
import type { Caller } from './view.js';

/** Contracts listed per institution at most; the totals always cover all of them. */
export const MAX_CONTRACTS_PER_INSTITUTION = 1000;

export async function rewardsReport(
  deps: ContractDeps,
  caller: Caller,
  q: { year: number; cursor?: string; limit?: number },
) {
  authorize(requirePrincipal(caller.principal), 'contract.rewards', q.year);
  const registered = and(
    eq(t.status, 'registered'),
    eq(t.registrationYear, q.year),
    isNotNull(t.transferInstitutionId),
  );
  const list = `contracts-rewards:${q.year}`;
  const after = deps.cursors.decode(list, q.cursor)?.[0] as string | undefined;
  const page = await paginate(
    deps.cursors,
    list,
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select({
          institutionId: sql<string>`${t.transferInstitutionId}`,
          contractCount: sql<number>`count(*)::int`,
          basisFen: sql<number>`sum(${effectiveAmountSql})::bigint`,
        })
        .from(t)
        .where(and(registered, after ? gt(t.transferInstitutionId, after) : undefined))
        .groupBy(t.transferInstitutionId)
        .orderBy(asc(t.transferInstitutionId))
        .limit(n),
    (r) => [r.institutionId],
  );
  const ids = page.items.map((r) => r.institutionId);
  const contracts = ids.length
    ? await deps.db
        .select({
          id: t.id,
          institutionId: t.transferInstitutionId,
          registrationNumber: t.registrationNumber,
          projectName: t.projectName,
          transactionAmountFen: sql<number>`${effectiveAmountSql}`,
        })
        .from(t)
        .where(and(registered, inArray(t.transferInstitutionId, ids)))
        .orderBy(asc(t.registrationNumber))
    : [];
  const items = [];
  for (const r of page.items) {
    const own = contracts.filter((c) => c.institutionId === r.institutionId);
    const org = await findOrganisation(deps.db, r.institutionId);
    items.push({
      institutionId: r.institutionId,
      institutionName: org?.name ?? null,
      contractCount: r.contractCount,
      basisFen: r.basisFen,
      ...rewardFen(r.basisFen),
      contracts: own.slice(0, MAX_CONTRACTS_PER_INSTITUTION).map(({ institutionId: _, ...c }) => ({
        ...c,
        registrationNumber: c.registrationNumber!,
      })),
      contractsTruncated: own.length > MAX_CONTRACTS_PER_INSTITUTION,
    });
  }
  return {
    year: q.year,
    rateBasisPoints: SETTINGS.rewards.rateBasisPoints,
    capFenPerYear: SETTINGS.rewards.capFenPerYear,
    items,
    nextCursor: page.nextCursor,
  };
}
