/**
 * The published evaluation rules (成果评价指标与等级), as data. Each panel expert scores every
 * indicator 0–100; an expert's score is the weighted sum (weights add up to 100); the
 * evaluation's score is the mean of the panel's, and its level follows from thresholds.
 */
export const INDICATORS = {
  novelty: { name: '创新性', weight: 25 },
  advancement: { name: '先进性', weight: 20 },
  maturity: { name: '技术成熟度', weight: 20 },
  market: { name: '市场前景', weight: 20 },
  ip: { name: '知识产权状况', weight: 15 },
} as const;
export type Indicator = keyof typeof INDICATORS;
export const INDICATOR_NAMES = Object.keys(INDICATORS) as Indicator[];

/** Thresholds on the score (× 100), highest first; below the last: 国内一般. */
export const LEVELS = [
  { level: 'international_leading', name: '国际领先', minX100: 9000 },
  { level: 'international_advanced', name: '国际先进', minX100: 8000 },
  { level: 'domestic_leading', name: '国内领先', minX100: 7000 },
  { level: 'domestic_advanced', name: '国内先进', minX100: 6000 },
  { level: 'domestic_general', name: '国内一般', minX100: 0 },
] as const;

/** A level's code, as stored in achievement_evaluations.level. */
export type Level = (typeof LEVELS)[number]['level'];

export const PANEL = { min: 3, max: 9, default: 5 };

/** One expert's weighted score × 100 (integer: weights × scores). */
export function weightedX100(scores: Record<Indicator, number>): number {
  return INDICATOR_NAMES.reduce((sum, k) => sum + INDICATORS[k].weight * scores[k], 0);
}

export function levelOf(scoreX100: number) {
  return LEVELS.find((l) => scoreX100 >= l.minX100)!;
}

/** The panel's conclusion: mean score, per-indicator means, level, and the sentence that says so. */
export function conclude(panel: Record<Indicator, number>[]) {
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const scoreX100 = mean(panel.map(weightedX100));
  const indicatorMeansX100 = Object.fromEntries(
    INDICATOR_NAMES.map((k) => [k, mean(panel.map((s) => s[k] * 100))]),
  ) as Record<Indicator, number>;
  const level = levelOf(scoreX100);
  const conclusion = `经${panel.length}位专家评价，综合得分${(scoreX100 / 100).toFixed(2)}，该成果总体达到${level.name}水平。`;
  return { scoreX100, indicatorMeansX100, level: level.level, conclusion };
}

export const VALUATION_METHODS = ['income', 'market', 'cost'] as const;

/** A valuation is valid one year from its base date: through the day before the anniversary. */
export function validUntil(baseDate: string): string {
  const [y, m, d] = baseDate.split('-').map(Number) as [number, number, number];
  // 29 Feb: Date.UTC rolls the anniversary over to 1 March, so validity ends on 28 Feb.
  return new Date(Date.UTC(y + 1, m - 1, d) - 86_400_000).toISOString().slice(0, 10);
}
