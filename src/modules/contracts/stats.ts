/**
 * Statistics of registered contracts (cancelled ones no longer count): counts and amounts by
 * type, field, region, party nature, month and registration point; the tax view; CSV export.
 * Amounts are the technology transaction amount that counts (the registrar's determination
 * where there is one) and the contract value, in fen.
 */
import { and, asc, eq, gt, inArray, isNotNull, type SQL, sql } from 'drizzle-orm';
import { authorize, requirePrincipal } from '../../platform/authz.js';
import type { DbOrTx } from '../../platform/db.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import { PARTY_NATURE_CODES } from '../identity/index.js';
import { visiblePoints } from './policies.js';
import { CONTRACT_TYPES, SETTINGS, TECHNOLOGY_FIELDS } from './rules.js';
import { technologyContracts as t } from './schema.js';
import type { ContractDeps } from './service.js';
import type { Caller } from './view.js';

export const effectiveAmountSql = sql`coalesce(${t.determinedAmountFen}, ${t.transactionAmountFen})`;

const DIMENSIONS = {
  type: sql`${t.type}`,
  field: sql`${t.technologyField}`,
  region: sql`coalesce(${t.seller}->>'regionCode', 'foreign')`,
  sellerPartyNature: sql`coalesce(${t.seller}->>'partyNature', 'foreign')`,
  buyerPartyNature: sql`coalesce(${t.buyer}->>'partyNature', 'foreign')`,
  month: sql`to_char(${t.registeredAt} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`,
  subCentre: sql`${t.subCentreId}::text`,
} as const;
export type Dimension = keyof typeof DIMENSIONS;

export interface StatRow {
  key: string;
  count: number;
  contractValueFen: number;
  transactionAmountFen: number;
}

/** The registration points a statistics request covers; authorises the caller for them. */
function scope(caller: Caller, subCentreId?: string): SQL | undefined {
  const p = requirePrincipal(caller.principal);
  if (subCentreId) {
    authorize(p, 'contract.statistics', subCentreId);
    return eq(t.subCentreId, subCentreId);
  }
  const points = visiblePoints(p);
  if (points === 'all') return undefined;
  authorize(p, 'contract.statistics', points[0] ?? null);
  return inArray(t.subCentreId, [...points]);
}

const registeredIn = (year: number, where: SQL | undefined) =>
  and(eq(t.status, 'registered'), eq(t.registrationYear, year), where);

async function groupBy(db: DbOrTx, dim: Dimension, where: SQL | undefined): Promise<StatRow[]> {
  const key = DIMENSIONS[dim];
  return db
    .select({
      key: sql<string>`${key}`,
      count: sql<number>`count(*)::int`,
      contractValueFen: sql<number>`sum(${t.contractValueFen})::bigint`,
      transactionAmountFen: sql<number>`sum(${effectiveAmountSql})::bigint`,
    })
    .from(t)
    .where(where)
    .groupBy(key)
    .orderBy(key);
}

export async function statistics(
  deps: ContractDeps,
  caller: Caller,
  q: { year: number; subCentreId?: string },
) {
  const where = registeredIn(q.year, scope(caller, q.subCentreId));
  const [total] = await groupBy(deps.db, 'type', where).then((rows) => [
    rows.reduce(
      (a, r) => ({
        key: 'total',
        count: a.count + r.count,
        contractValueFen: a.contractValueFen + r.contractValueFen,
        transactionAmountFen: a.transactionAmountFen + r.transactionAmountFen,
      }),
      { key: 'total', count: 0, contractValueFen: 0, transactionAmountFen: 0 },
    ),
  ]);
  const out: Record<string, StatRow[]> = {};
  for (const dim of Object.keys(DIMENSIONS) as Dimension[]) out[dim] = await groupBy(deps.db, dim, where);
  // The loop above fills every dimension, the contract's byDimension members.
  const byDimension = out as Record<Dimension, StatRow[]>;
  return { year: q.year, subCentreId: q.subCentreId ?? null, total: total!, byDimension };
}

function label(dim: string, key: string): string {
  if (dim === 'type') return (CONTRACT_TYPES as Record<string, { name: string }>)[key]?.name ?? key;
  if (dim === 'field') return TECHNOLOGY_FIELDS[key] ?? key;
  if (dim.endsWith('PartyNature')) return PARTY_NATURE_CODES[key] ?? key;
  return key;
}

const csvCell = (v: string | number) => {
  const s = String(v);
  // Quote what needs it, and neutralise formula starters (CSV injection into spreadsheets).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The same figures as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese labels). */
export async function statisticsCsv(
  deps: ContractDeps,
  caller: Caller,
  q: { year: number; subCentreId?: string },
) {
  const s = await statistics(deps, caller, q);
  const lines = [['dimension', 'key', 'label', 'count', 'contract_value_fen', 'transaction_amount_fen']];
  lines.push([
    'total',
    'total',
    '合计',
    String(s.total.count),
    String(s.total.contractValueFen),
    String(s.total.transactionAmountFen),
  ]);
  for (const [dim, rows] of Object.entries(s.byDimension))
    for (const r of rows)
      lines.push([
        dim,
        r.key,
        label(dim, r.key),
        String(r.count),
        String(r.contractValueFen),
        String(r.transactionAmountFen),
      ]);
  return `\uFEFF${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Transfer income for the income tax line: transfers, and licences of at least the minimum term. */
const transferIncomeSql = sql`CASE WHEN ${t.type} = 'transfer'
  OR (${t.type} = 'licensing' AND coalesce((${t.details}->>'licenceTermMonths')::int, 0) >= ${SETTINGS.tax.licenceMinTermMonths})
  THEN ${effectiveAmountSql} ELSE 0 END`;
/** VAT-exempt candidates (财税〔2016〕36号): transfer and development, and related consulting/services. */
const vatCandidateSql = sql`(${t.type} IN ('development', 'transfer', 'licensing')
  OR (${t.type} IN ('consulting', 'service') AND (${t.details}->>'relatedToTransferOrDevelopment')::boolean))`;

/** Per seller and year: VAT-exempt candidates and transfer income against the 5,000,000-yuan line. */
export async function taxView(
  deps: ContractDeps,
  caller: Caller,
  q: { year: number; subCentreId?: string; cursor?: string; limit?: number },
) {
  const where = registeredIn(q.year, scope(caller, q.subCentreId));
  const list = `contracts-tax:${q.year}:${q.subCentreId ?? ''}`;
  const after = deps.cursors.decode(list, q.cursor)?.[0] as string | undefined;
  const seller = sql<string>`${t.seller}->>'creditCode'`;
  const line = SETTINGS.tax.transferIncomeLineFen;
  const page = await paginate(
    deps.cursors,
    list,
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select({
          sellerCreditCode: seller,
          sellerName: sql<string>`min(${t.seller}->>'name')`,
          contracts: sql<number>`count(*)::int`,
          vatExemptCandidates: sql<number>`(count(*) FILTER (WHERE ${vatCandidateSql}))::int`,
          vatExemptContractValueFen: sql<number>`coalesce(sum(${t.contractValueFen}) FILTER (WHERE ${vatCandidateSql}), 0)::bigint`,
          transferIncomeFen: sql<number>`sum(${transferIncomeSql})::bigint`,
        })
        .from(t)
        .where(and(where, isNotNull(seller), after ? gt(seller, after) : undefined))
        .groupBy(seller)
        .orderBy(asc(seller))
        .limit(n),
    (r) => [r.sellerCreditCode],
  );
  return {
    year: q.year,
    transferIncomeLineFen: line,
    items: page.items.map((r) => ({
      ...r,
      exceedsLine: r.transferIncomeFen > line,
      exemptIncomeFen: Math.min(r.transferIncomeFen, line),
      halfRateIncomeFen: Math.max(0, r.transferIncomeFen - line),
    })),
    nextCursor: page.nextCursor,
  };
}
