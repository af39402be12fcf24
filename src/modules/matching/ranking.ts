/**
 * Need ↔ achievement matching with explanations (智能撮合). The engine finds candidates by text;
 * this module re-ranks them by structured fit — field, readiness against what the need asks,
 * price against budget, transfer modes, region, freshness — and says why, in short zh-CN reasons.
 *
 * A need is not pasted into the engine whole: its salient terms are extracted (query tokens minus
 * the generic words every need contains), and the engine ORs them, each with its synonyms.
 */
import type { DocumentType, SearchDocument, SearchEngine, SearchFilters, SearchHit } from './engine.js';
import { cityOf } from './engine.js';
import { queryTokens } from './text.js';

/** Weights of the components of a match score; they sum to 1, so a score lies in [0, 1]. */
export const MATCH_WEIGHTS = {
  // tuned on scripts/data/match-devset (npm run bench:match); text stays the largest part
  text: 0.5,
  field: 0.15,
  trl: 0.08,
  price: 0.05,
  modes: 0.1,
  region: 0.07,
  freshness: 0.05,
} as const;

export type MatchBreakdown = Record<keyof typeof MATCH_WEIGHTS, number>;

export interface Match {
  id: string;
  type: DocumentType;
  title: string;
  /** weighted sum of the breakdown, 0–1 */
  score: number;
  /** each component 0–1, before weighting */
  breakdown: MatchBreakdown;
  reasons: string[];
  matchedTerms: string[];
}

export interface MatchOptions {
  /** matches returned, 1–50 (default 20) */
  limit?: number;
  /** extra filters on the candidates (the engine defaults to published listings) */
  filters?: SearchFilters;
  /** for tests and benchmarks: the time freshness is measured against */
  now?: Date;
}

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

export type QueryConstraints = Omit<Profile, 'trl' | 'priceFen' | 'budgetMinFen'> & {
  budgetMaxFen?: number | null;
};

/** Candidates the engine returns before re-ranking: enough for structure to reorder text ranks. */
const CANDIDATES = 100;
const MAX_TERMS = 24;
const MAX_LIMIT = 50;
const FRESHNESS_HALF_LIFE_DAYS = 365;
/** Share of the engine's own score in the text fit; the rest is the weighted term coverage. */
const TEXT_BLEND = 0.1;
/** A candidate covering the query's this-many most telling terms gets full coverage. */
const COVERAGE_TERMS = 8;

/**
 * Words of any need or listing form that say nothing about the technology ("we want a solution to
 * improve…"). Kept apart from text.ts STOP_WORDS: they remain searchable when typed on purpose.
 */
// biome-ignore format: a packed list reads better
const GENERIC_WORDS: ReadonlySet<string> = new Set([
  '我们', '我司', '我厂', '本公司', '公司', '企业', '工厂', '厂里', '现在', '目前', '现有', '希望', '想', '想要',
  '需要', '需求', '寻求', '要求', '问题', '解决', '解决方案', '方案', '技术', '实现', '提高', '提升', '降低',
  '能够', '能', '可以', '一下', '主要', '比较', '非常', '很多', '没有', '不能', '不够', '已经', '还', '再',
  '进行', '开展', '合作', '项目', '产品', '系统', '研究', '开发', '应用', '相关', '领域', '方面', '方法',
  '情况', '效果', '成本', '价格', '预算', '万元', '左右', '以上', '以下', '之间', '一家', '一套', '每年',
  '工艺', '装置', '设备', '新', '用', '做', '看', '靠', '找', '让', '给', '到', '上', '下', '里', '多', '少',
]);

const HAN_ONLY = /^\p{Script=Han}$/u;
const DIGITS_ONLY = /^[\d.%]+$/;

/** The salient terms of a listing: title first, then keywords, summary and body; at most 24. */
export function salientTerms(doc: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>): string[] {
  const texts = [doc.title, ...(doc.keywords ?? []), doc.summary ?? '', doc.body ?? ''];
  const terms = new Set<string>();
  for (const text of texts) {
    for (const token of queryTokens(text)) {
      if (GENERIC_WORDS.has(token) || HAN_ONLY.test(token) || DIGITS_ONLY.test(token)) continue;
      if (token.length < 2) continue;
      terms.add(token);
      if (terms.size >= MAX_TERMS) return [...terms];
    }
  }
  return [...terms];
}

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

export type Fit = { score: number; reason?: string };

export function fieldFit(a: Profile, b: Profile): Fit {
  if (!a.fieldCode || !b.fieldCode) return { score: 0.5 };
  return a.fieldCode === b.fieldCode ? { score: 1, reason: '领域一致' } : { score: 0 };
}

/** The achievement's readiness against the need's minimum: full credit at or above, partial just below. */
function trlFit(achievement: Profile, need: Profile): Fit {
  const { trl } = achievement;
  const { minTrl } = need;
  if (!trl || !minTrl) return { score: 0.5 };
  if (trl >= minTrl) return { score: 1, reason: `技术成熟度 ${trl} ≥ 需求 ${minTrl}` };
  const gap = minTrl - trl;
  return { score: gap === 1 ? 0.6 : gap === 2 ? 0.3 : 0, reason: `技术成熟度 ${trl}，低于需求 ${minTrl}` };
}

function priceFit(achievement: Profile, need: Profile): Fit {
  const price = achievement.priceFen;
  const budget = need.budgetMaxFen;
  if (price === null || price === undefined) return { score: 0.7, reason: '价格面议' };
  if (budget === null || budget === undefined) return { score: 0.5 };
  if (price <= budget) return { score: 1, reason: '预算内' };
  return price <= budget * 1.5 ? { score: 0.5, reason: '略超预算' } : { score: 0.1, reason: '超出预算' };
}

function modesFit(a: Profile, b: Profile): Fit {
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

function freshnessFit(updatedAt: string, now: Date): Fit {
  const days = Math.max(0, (now.getTime() - new Date(updatedAt).getTime()) / 86_400_000);
  const score = 0.5 ** (days / FRESHNESS_HALF_LIFE_DAYS);
  return days <= 30 ? { score, reason: '近期更新' } : { score };
}

/**
 * Text relevance in [0, 1]: the engine's score relative to the best candidate (engine scores are
 * only comparable within one result), blended with the share of the query's terms matched.
 */
export function textFit(hit: SearchHit, best: number, weights: Record<string, number>, total: number): Fit {
  const relative = best > 0 ? hit.score / best : 0;
  // Coverage by informative weight: matching the need's rare words counts more than its common ones.
  const matched = hit.matchedTerms.reduce((s, t) => s + (weights[t] ?? 1), 0);
  const coverage = total > 0 ? Math.min(1, matched / total) : 0;
  const score = TEXT_BLEND * relative + (1 - TEXT_BLEND) * coverage;
  const shown = [...hit.matchedTerms].sort((a, b) => (weights[b] ?? 1) - (weights[a] ?? 1)).slice(0, 5);
  return { score, reason: shown.length > 0 ? `关键词匹配：${shown.join('、')}` : '标题相近' };
}

/** The weight a candidate must match for full coverage: that of the query's most telling terms. */
export function coverageTotal(weights: Record<string, number>): number {
  const sorted = Object.values(weights).sort((a, b) => b - a);
  return sorted.slice(0, COVERAGE_TERMS).reduce((s, w) => s + w, 0);
}

/** Ranks candidates of `type` for `subject`; which side is the achievement follows from `type`. */
async function rank(
  engine: SearchEngine,
  type: DocumentType,
  terms: string[],
  subject: Profile,
  opts: MatchOptions,
): Promise<Match[]> {
  const limit = Math.min(Math.max(1, opts.limit ?? 20), MAX_LIMIT);
  if (terms.length === 0) return [];
  const result = await engine.search({
    type,
    terms,
    match: 'any',
    filters: opts.filters,
    limit: CANDIDATES,
    countTotal: false,
    highlight: false,
  });
  const best = Math.max(0, ...result.hits.map((h) => h.score));
  const coverage = coverageTotal(result.termWeights);
  const now = opts.now ?? new Date();
  const matches = result.hits.map((hit): Match => {
    const candidate: Profile = { ...hit };
    const [achievement, need] = type === 'achievement' ? [candidate, subject] : [subject, candidate];
    const fits = {
      text: textFit(hit, best, result.termWeights, coverage),
      field: fieldFit(subject, candidate),
      trl: trlFit(achievement, need),
      price: priceFit(achievement, need),
      modes: modesFit(subject, candidate),
      region: regionFit(subject, candidate),
      freshness: freshnessFit(hit.updatedAt, now),
    };
    const breakdown = Object.fromEntries(
      Object.entries(fits).map(([k, f]) => [k, Math.round(f.score * 1000) / 1000]),
    ) as MatchBreakdown;
    const score = (Object.keys(MATCH_WEIGHTS) as (keyof MatchBreakdown)[]).reduce(
      (sum, k) => sum + MATCH_WEIGHTS[k] * fits[k].score,
      0,
    );
    return {
      id: hit.id,
      type: hit.type,
      title: hit.title,
      score: Math.round(score * 10_000) / 10_000,
      breakdown,
      reasons: Object.values(fits).flatMap((f) => (f.reason ? [f.reason] : [])),
      matchedTerms: hit.matchedTerms,
    };
  });
  return matches.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, limit);
}

/** Achievements that could meet a need, best first, each with its breakdown and reasons. */
export function matchAchievementsForNeed(
  engine: SearchEngine,
  need: SearchDocument,
  opts: MatchOptions = {},
): Promise<Match[]> {
  return rank(engine, 'achievement', salientTerms(need), need, opts);
}

/** Needs (enterprises) an achievement could serve, best first. */
export function matchNeedsForAchievement(
  engine: SearchEngine,
  achievement: SearchDocument,
  opts: MatchOptions = {},
): Promise<Match[]> {
  return rank(engine, 'need', salientTerms(achievement), achievement, opts);
}

/** Ad-hoc text plus constraints, ranked like a need (POST /v1/matches/query). */
export function matchQuery(
  engine: SearchEngine,
  text: string,
  constraints: QueryConstraints = {},
  opts: MatchOptions = {},
): Promise<Match[]> {
  return rank(engine, 'achievement', salientTerms({ title: text }), constraints, opts);
}
