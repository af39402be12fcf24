/**
 * The policy-reward figures of technology managers (DOMAIN.md, the measure's policy list):
 * per manager, the registered contracts it brokered in a year and their amounts; per university
 * (and research institute), its net transfer income of the year and the least set-aside for
 * rewarding technology managers (≥ 2 %). Operators only; figures from the contracts module.
 */
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { authorize, requirePrincipal } from '../../platform/authz.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { registeredContractFigures, transferIncomeBySeller } from '../contracts/index.js';
import { findOrganisationByCreditCode } from '../identity/index.js';
import type { ManagerDeps } from './registry.js';
import { SET_ASIDE, setAsideMinFen } from './rules.js';
import { technologyManagerBrokerages as b, technologyManagers as m } from './schema.js';

/** Contracts listed per manager at most; the totals always cover all of them. */
export const MAX_CONTRACTS_PER_MANAGER = 200;

/**
 * Every manager named as broker on at least one contract, by id, with the contracts of those
 * that were registered in `year` (a manager whose contracts were registered in other years shows
 * zeros for this one).
 */
export async function managerRewards(
  deps: ManagerDeps,
  p: Principal | undefined,
  q: { year: number; cursor?: string; limit?: number },
) {
  authorize(requirePrincipal(p), 'manager.rewards', q.year);
  const list = `manager-rewards:${q.year}`;
  const after = deps.cursors.decode(list, q.cursor)?.[0] as string | undefined;
  const page = await paginate(
    deps.cursors,
    list,
    clampLimit(q.limit),
    (n) =>
      deps.db
        .selectDistinct({ id: m.id, name: m.name, level: m.level, employer: m.employerOrganisationId })
        .from(m)
        .innerJoin(b, and(eq(b.managerId, m.id), eq(b.subjectType, 'contract')))
        .where(after ? gt(m.id, after) : undefined)
        .orderBy(asc(m.id))
        .limit(n),
    (r) => [r.id],
  );
  const ids = page.items.map((r) => r.id);
  const links = ids.length
    ? await deps.db
        .select({ managerId: b.managerId, contractId: b.subjectId })
        .from(b)
        .where(and(eq(b.subjectType, 'contract'), inArray(b.managerId, ids)))
    : [];
  const figures = await registeredContractFigures(
    deps.db,
    [...new Set(links.map((l) => l.contractId))],
    q.year,
  );
  const byId = new Map(figures.map((f) => [f.id, f]));
  const items = page.items.map((r) => {
    const own = links
      .filter((l) => l.managerId === r.id)
      .flatMap((l) => byId.get(l.contractId) ?? [])
      .sort((x, y) => x.registrationNumber.localeCompare(y.registrationNumber));
    return {
      managerId: r.id,
      name: r.name,
      level: r.level,
      employerOrganisationId: r.employer,
      contractCount: own.length,
      contractValueFen: own.reduce((s, c) => s + Number(c.contractValueFen), 0),
      transactionAmountFen: own.reduce((s, c) => s + Number(c.transactionAmountFen), 0),
      contracts: own.slice(0, MAX_CONTRACTS_PER_MANAGER).map((c) => ({
        id: c.id,
        registrationNumber: c.registrationNumber,
        transactionAmountFen: Number(c.transactionAmountFen),
      })),
      contractsTruncated: own.length > MAX_CONTRACTS_PER_MANAGER,
    };
  });
  return { year: q.year, items, nextCursor: page.nextCursor };
}

/**
 * Per university or research institute (seller party nature 022 / 021) with registered transfer
 * or licensing contracts in `year`: net transfer income (the technology transaction amount, i.e.
 * contract value less non-technical costs, as determined by the registrar) and the least
 * set-aside (2 %, rounded up to the fen).
 */
export async function setAsides(
  deps: ManagerDeps,
  p: Principal | undefined,
  q: { year: number; cursor?: string; limit?: number },
) {
  authorize(requirePrincipal(p), 'manager.rewards', q.year);
  const list = `manager-set-asides:${q.year}`;
  const after = deps.cursors.decode(list, q.cursor)?.[0] as string | undefined;
  const page = await paginate(
    deps.cursors,
    list,
    clampLimit(q.limit),
    (n) =>
      transferIncomeBySeller(deps.db, {
        year: q.year,
        partyNatures: SET_ASIDE.partyNatures,
        types: SET_ASIDE.contractTypes,
        after,
        limit: n,
      }),
    (r) => [r.sellerCreditCode],
  );
  const items = [];
  for (const r of page.items) {
    const org = await findOrganisationByCreditCode(deps.db, r.sellerCreditCode);
    const net = Number(r.netTransferIncomeFen);
    items.push({
      sellerCreditCode: r.sellerCreditCode,
      sellerName: r.sellerName,
      organisationId: org?.id ?? null,
      partyNature: r.partyNature,
      contractCount: r.contractCount,
      netTransferIncomeFen: net,
      setAsideMinFen: setAsideMinFen(net),
    });
  }
  return {
    year: q.year,
    setAsideBasisPoints: SET_ASIDE.basisPoints,
    partyNatures: [...SET_ASIDE.partyNatures],
    contractTypes: [...SET_ASIDE.contractTypes],
    items,
    nextCursor: page.nextCursor,
  };
}
