/**
 * The structured side of a match: field, readiness against what the need asks, price against
 * budget, transfer modes, region and freshness, each a fit in [0, 1] with a short zh-CN reason.
 * These are evidence that reorders candidates of comparable textual relevance (ranking.ts), never
 * a bonus that stands on its own.
 */
import type { SearchDocument } from './engine.js';
import { cityOf } from './engine.js';

/** The structured side of a need or an achievement, as far as matching cares. */
export type Profile = Pick<
  SearchDocument,
  | 'fieldCode'
  | 'regionCode'
  | 'trl'
  | 'minTrl'
  | 'transferModes'
  | 'priceFen'
  | 'budgetMinFen'
  | 'budgetMaxFen'
>;

export type Fit = { score: number; reason?: string };

const FRESHNESS_HALF_LIFE_DAYS = 365;

const MODE_REASONS: Record<string, string> = {
  transfer: '可转让',
  license_exclusive: '可许可',
  license_sole: '可许可',
  license_nonexclusive: '可许可',
  equity: '可作价投资',
  co_development: '可合作开发',
  use_first: '可先用后转',
  research_first: '可先研后付',
};

export function fieldFit(a: Profile, b: Profile): Fit {
  if (!a.fieldCode || !b.fieldCode) return { score: 0.5 };
  return a.fieldCode === b.fieldCode ? { score: 1, reason: '领域一致' } : { score: 0 };
}

/** The achievement's readiness against the need's minimum: full credit at or above, partial just below. */
export function trlFit(achievement: Profile, need: Profile): Fit {
  const { trl } = achievement;
  const { minTrl } = need;
  if (!trl || !minTrl) return { score: 0.5 };
  if (trl >= minTrl) return { score: 1, reason: `技术成熟度 ${trl} ≥ 需求 ${minTrl}` };
  const gap = minTrl - trl;
  return { score: gap === 1 ? 0.6 : gap === 2 ? 0.3 : 0, reason: `技术成熟度 ${trl}，低于需求 ${minTrl}` };
}

export function priceFit(achievement: Profile, need: Profile): Fit {
  const price = achievement.priceFen;
  const budget = need.budgetMaxFen;
  if (price === null || price === undefined) return { score: 0.7, reason: '价格面议' };
  if (budget === null || budget === undefined) return { score: 0.5 };
  if (price <= budget) return { score: 1, reason: '预算内' };
  return price <= budget * 1.5 ? { score: 0.5, reason: '略超预算' } : { score: 0.1, reason: '超出预算' };
}

export function modesFit(a: Profile, b: Profile): Fit {
  const mine = a.transferModes ?? [];
  const theirs = b.transferModes ?? [];
  if (mine.length === 0 || theirs.length === 0) return { score: 0.5 };
  const shared = mine.filter((m) => theirs.includes(m));
  if (shared.length === 0) return { score: 0 };
  const reasons = [...new Set(shared.map((m) => MODE_REASONS[m] ?? `可${m}`))];
  return { score: 1, reason: reasons.join('、') };
}

export function regionFit(a: Profile, b: Profile): Fit {
  if (!a.regionCode || !b.regionCode) return { score: 0.3 };
  if (cityOf(a.regionCode) === cityOf(b.regionCode)) return { score: 1, reason: '同城' };
  return a.regionCode.slice(0, 2) === b.regionCode.slice(0, 2)
    ? { score: 0.6, reason: '同省' }
    : { score: 0.2 };
}

export function freshnessFit(updatedAt: string, now: Date): Fit {
  const days = Math.max(0, (now.getTime() - new Date(updatedAt).getTime()) / 86_400_000);
  const score = 0.5 ** (days / FRESHNESS_HALF_LIFE_DAYS);
  return days <= 30 ? { score, reason: '近期更新' } : { score };
}
