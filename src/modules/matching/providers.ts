/**
 * Experts (专家) and service institutions (服务机构) recommended beside a need's matches, by the
 * same rules as listings: the need's lexical query scored with BM25F over their public text
 * (expertise, bio; an institution's services and description), field and region as evidence that
 * reorders comparable text fits, and the same reasons. When none of them matches the need's text,
 * the need's field alone still finds some, said so.
 */
import type { SearchEngine } from './engine.js';
import { type Fit, fieldFit, type Profile, regionFit } from './fits.js';
import { publicTextStats } from './generic-words.js';
import type { LexicalTerm, TermMatch } from './lexical.js';
import { type Match, RANKING_PARAMS, structuralFactor, textCandidates } from './ranking.js';
import { distinctiveReasons, reasonLexemes, shownTerms, textReason } from './reasons.js';

export type ProviderType = 'expert' | 'institution';

/** The components of a recommendation's breakdown. */
export const PROVIDER_WEIGHTS = { text: 1, field: 0.6, region: 0.4 } as const;

/**
 * How far field and region may move a provider's (or an offering's) text score, hand-set like
 * `PROVIDER_WEIGHTS`: the listings' fitted `RANKING_PARAMS.strength` was fitted on achievements
 * for needs only, and says nothing about these small directories.
 */
export const PROVIDER_STRENGTH = 0.3;

/** Directories are small and their entries short: their first pass is enough. */
const NO_FEEDBACK = { docs: 0, terms: 0, weight: 0 };

/** Score of a recommendation found by field alone (no text fit): below any text match. */
const FIELD_ONLY_SCORE = 0.05;

export async function recommendProviders(
  engine: SearchEngine,
  type: ProviderType,
  terms: LexicalTerm[],
  subject: Profile,
  limit = 5,
): Promise<Match[]> {
  const params = { strength: PROVIDER_STRENGTH, structure: PROVIDER_WEIGHTS } as never;
  const { scored, stats } =
    terms.length > 0
      ? await textCandidates(engine, type, terms, undefined, { ...RANKING_PARAMS, feedback: NO_FEEDBACK })
      : { scored: [], stats: undefined };
  const best = scored[0]?.text ?? 0;
  const textual = scored.filter((s) => s.text >= RANKING_PARAMS.minText * best);
  if (textual.length > 0 && stats) {
    const ranked = textual
      .map((s) => {
        const candidate: Profile = { ...s.candidate.hit };
        const fits = { field: fieldFit(subject, candidate), region: regionFit(subject, candidate) };
        const relative = s.text / best;
        return { s, fits, relative, score: relative * structuralFactor(fits, params) };
      })
      .sort((a, b) => b.score - a.score || a.s.candidate.hit.id.localeCompare(b.s.candidate.hit.id))
      .slice(0, limit);
    const reasons = await directoryReasons(
      engine,
      ranked.map(({ s, fits }) => ({ matches: s.matches, fits })),
      stats.docs,
    );
    return ranked.map(({ s, fits, relative, score }, i) => ({
      id: s.candidate.hit.id,
      type: s.candidate.hit.type,
      title: s.candidate.hit.title,
      score: Math.round(score * 10_000) / 10_000,
      breakdown: { text: r3(relative), field: r3(fits.field.score), region: r3(fits.region.score) } as never,
      reasons: reasons[i]!,
      matchedTerms: shownTerms(s.matches),
    }));
  }
  if (!subject.fieldCode) return [];
  const result = await engine.search({
    type,
    filters: { fieldCodes: [subject.fieldCode] },
    limit,
    countTotal: false,
    highlight: false,
  });
  return result.hits.map((hit) => {
    const region = regionFit(subject, hit);
    return {
      id: hit.id,
      type: hit.type,
      title: hit.title,
      score: Math.round(FIELD_ONLY_SCORE * structuralFactor({ region }, params) * 10_000) / 10_000,
      breakdown: { text: 0, field: 1, region: r3(region.score) } as never,
      reasons: ['领域一致（文本未匹配，按领域推荐）', ...(region.reason ? [region.reason] : [])],
      matchedTerms: [],
    };
  });
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The reasons of a directory's ranked list (experts, institutions, offerings), by the listings'
 * rule (reasons.ts): a word is telling only when it is not generic, judged against general Chinese
 * and all public text (directories are small, so a word's rarity in them says little), then the
 * fits' reasons that distinguish.
 */
export async function directoryReasons(
  engine: SearchEngine,
  ranked: readonly { matches: readonly TermMatch[]; fits: Record<string, Fit> }[],
  docs: number,
): Promise<string[][]> {
  const publicText = await publicTextStats(
    engine,
    ranked.flatMap((r) => reasonLexemes(r.matches)),
  );
  return distinctiveReasons(
    ranked.map(({ matches, fits }) => ({
      text: textReason(matches, docs, publicText),
      structured: Object.values(fits).flatMap((f) =>
        f.reason ? [{ kind: f.reason, reason: f.reason }] : [],
      ),
    })),
  );
}
