/**
 * Matching quality from real outcomes (撮合效果): per month (China time), how many interests came
 * from a match list, at what rank, and how many of those were accepted or declined as
 * `need_mismatch`, per ranking version — the production counterpart of the judged dev sets.
 */
import { and, gte, lt, sql } from 'drizzle-orm';
import { authorize, definePolicies } from '../../platform/authz.js';
import type { DbOrTx } from '../../platform/db.js';
import { ValidationError } from '../../platform/errors.js';
import { isOperator, type Principal } from '../../platform/principal.js';
import { interests as i } from './schema.js';

definePolicies({
  'matching.quality': (p: Principal | undefined, _: null) => isOperator(p),
});

/** Months one report may cover. */
export const MAX_QUALITY_MONTHS = 24;
const CHINA_OFFSET_MS = 8 * 3600_000;
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface QualityQuery {
  /** first month, `YYYY-MM` (China time); default 11 months before `to` */
  from?: string;
  /** last month, included; default the current month in China */
  to?: string;
}

/** Months since year 0, from `YYYY-MM`. */
const monthIndex = (m: string) => {
  const [, y, mm] = MONTH_RE.exec(m)!;
  return Number(y) * 12 + Number(mm) - 1;
};
const monthName = (n: number) => `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
/** The UTC instant a China-time month starts. */
const monthStart = (n: number) => new Date(Date.UTC(Math.floor(n / 12), n % 12, 1) - CHINA_OFFSET_MS);

function window(q: QualityQuery, now: Date): { first: number; last: number } {
  const china = new Date(now.getTime() + CHINA_OFFSET_MS);
  const last = q.to ? monthIndex(q.to) : china.getUTCFullYear() * 12 + china.getUTCMonth();
  const first = q.from ? monthIndex(q.from) : last - 11;
  if (first > last)
    throw new ValidationError([{ field: 'query/from', message: 'must not be after to', code: 'range' }]);
  if (last - first + 1 > MAX_QUALITY_MONTHS)
    throw new ValidationError([
      { field: 'query/from', message: `at most ${MAX_QUALITY_MONTHS} months`, code: 'range' },
    ]);
  return { first, last };
}

interface Row extends Record<string, unknown> {
  month: string;
  version: string | null;
  interests: number;
  accepted: number;
  rank1: number;
  rank2to3: number;
  rank4to10: number;
  rank11up: number;
  meanRank: number | null;
  declinedNeedMismatch: number;
}

const rank = sql`(${i.origin}->>'rank')::int`;

export async function matchingQuality(
  db: DbOrTx,
  p: Principal | undefined,
  q: QualityQuery,
  now = new Date(),
) {
  authorize(p, 'matching.quality', null);
  const { first, last } = window(q, now);
  const month = sql`to_char(${i.createdAt} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`;
  const version = sql`${i.origin}->>'rankingVersion'`;
  const rows: Row[] = await db
    .select({
      month: sql<string>`${month}`,
      version: sql<string | null>`${version}`,
      interests: sql<number>`count(*)::int`,
      accepted: sql<number>`(count(*) FILTER (WHERE ${i.acceptedAt} IS NOT NULL))::int`,
      rank1: sql<number>`(count(*) FILTER (WHERE ${rank} = 1))::int`,
      rank2to3: sql<number>`(count(*) FILTER (WHERE ${rank} BETWEEN 2 AND 3))::int`,
      rank4to10: sql<number>`(count(*) FILTER (WHERE ${rank} BETWEEN 4 AND 10))::int`,
      rank11up: sql<number>`(count(*) FILTER (WHERE ${rank} > 10))::int`,
      meanRank: sql<number | null>`avg(${rank})::float8`,
      declinedNeedMismatch: sql<number>`(count(*) FILTER (WHERE ${i.status} = 'declined' AND ${i.declineReason}->>'code' = 'need_mismatch'))::int`,
    })
    .from(i)
    .where(and(gte(i.createdAt, monthStart(first)), lt(i.createdAt, monthStart(last + 1))))
    .groupBy(month, version)
    .orderBy(month, version);

  const months = [];
  for (let n = first; n <= last; n++) {
    const name = monthName(n);
    const of = rows.filter((r) => r.month === name);
    const fromMatches = of.filter((r) => r.version !== null);
    months.push({
      month: name,
      interests: of.reduce((a, r) => a + r.interests, 0),
      accepted: of.reduce((a, r) => a + r.accepted, 0),
      fromMatches: fromMatches.reduce((a, r) => a + r.interests, 0),
      versions: fromMatches.map((r) => ({
        rankingVersion: r.version!,
        interests: r.interests,
        ranks: { '1': r.rank1, '2-3': r.rank2to3, '4-10': r.rank4to10, '11+': r.rank11up },
        meanRank: r.meanRank === null ? null : Math.round(r.meanRank * 100) / 100,
        accepted: r.accepted,
        declinedNeedMismatch: r.declinedNeedMismatch,
      })),
    });
  }
  return { from: monthName(first), to: monthName(last), timeZone: 'Asia/Shanghai', months };
}
