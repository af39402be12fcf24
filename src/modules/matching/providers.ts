/**
 * Experts (专家) and service institutions (服务机构) recommended beside a need's matches: found with
 * the need's salient terms, scored by text, field and region, explained like the listing matches.
 * When no expert's text matches, the need's field alone still finds some.
 */
import type { SearchEngine, SearchHit } from './engine.js';
import {
  coverageTotal,
  type Fit,
  fieldFit,
  type Match,
  type Profile,
  regionFit,
  textFit,
} from './ranking.js';

export type ProviderType = 'expert' | 'institution';

/** Weights of a recommendation's score; text stays the largest part, as for listings. */
export const PROVIDER_WEIGHTS = { text: 0.6, field: 0.25, region: 0.15 } as const;

const CANDIDATES = 20;

export async function recommendProviders(
  engine: SearchEngine,
  type: ProviderType,
  terms: string[],
  subject: Profile,
  limit = 5,
): Promise<Match[]> {
  const base = { type, countTotal: false, highlight: false } as const;
  let result =
    terms.length > 0 ? await engine.search({ ...base, terms, match: 'any', limit: CANDIDATES }) : undefined;
  if ((!result || result.hits.length === 0) && subject.fieldCode) {
    result = await engine.search({ ...base, filters: { fieldCodes: [subject.fieldCode] }, limit });
  }
  if (!result) return [];
  const best = Math.max(0, ...result.hits.map((h) => h.score));
  const coverage = coverageTotal(result.termWeights);
  return result.hits
    .map((hit) => explain(hit, subject, best, result.termWeights, coverage))
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, limit);
}

function explain(
  hit: SearchHit,
  subject: Profile,
  best: number,
  weights: Record<string, number>,
  coverage: number,
): Match {
  const candidate: Profile = { ...hit };
  const fits: Record<keyof typeof PROVIDER_WEIGHTS, Fit> = {
    text: hit.matchedTerms.length > 0 ? textFit(hit, best, weights, coverage) : { score: 0 },
    field: fieldFit(subject, candidate),
    region: regionFit(subject, candidate),
  };
  const keys = Object.keys(PROVIDER_WEIGHTS) as (keyof typeof PROVIDER_WEIGHTS)[];
  const score = keys.reduce((sum, k) => sum + PROVIDER_WEIGHTS[k] * fits[k].score, 0);
  return {
    id: hit.id,
    type: hit.type,
    title: hit.title,
    score: Math.round(score * 10_000) / 10_000,
    breakdown: Object.fromEntries(keys.map((k) => [k, Math.round(fits[k].score * 1000) / 1000])) as never,
    reasons: keys.flatMap((k) => (fits[k].reason ? [fits[k].reason] : [])),
    matchedTerms: hit.matchedTerms,
  };
}
