/**
 * Experts (专家) and service institutions (服务机构) recommended beside a need's matches, by the
 * same rules as listings: the need's lexical query scored with BM25F over their public text
 * (expertise, bio; an institution's services and description), field and region as evidence that
 * reorders comparable text fits, and the same reasons. Only candidates with evidence a person can
 * check are listed: one whose match rests on generic words only (服务, 科技, a form's boilerplate) is
 * left out, and so is any sharing no text at all, whatever its field. No candidate is a valid answer
 * (an empty list).
 */

import type { CandidateTexts } from './candidate-texts.js';
import type { SearchEngine } from './engine.js';
import { type Fit, fieldFit, type Profile, regionFit } from './fits.js';
import { publicTextStats } from './generic-words.js';
import type { LexicalTerm, TermMatch } from './lexical.js';
import { type Match, RANKING_PARAMS, sharedStretches, structuralFactor, textCandidates } from './ranking.js';
import {
  distinctiveReasons,
  reasonLexemes,
  restsOnGenericWords,
  shownTerms,
  tellingTerms,
  textReason,
  wholeKeywords,
} from './reasons.js';

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

export async function recommendProviders(
  engine: SearchEngine,
  type: ProviderType,
  terms: LexicalTerm[],
  subject: Profile,
  limit = 5,
  /** the subject's text (`subjectText` in ranking.ts), where an owner's keyword is looked for whole */
  said = '',
  /** the candidates' public texts (candidate-texts.ts), for the stretches both texts share */
  texts?: CandidateTexts,
): Promise<Match[]> {
  const params = { strength: PROVIDER_STRENGTH, structure: PROVIDER_WEIGHTS } as never;
  const { scored, stats } =
    terms.length > 0
      ? await textCandidates(engine, type, terms, undefined, { ...RANKING_PARAMS, feedback: NO_FEEDBACK })
      : { scored: [], stats: undefined };
  const best = scored[0]?.text ?? 0;
  const textual = scored.filter((s) => s.text >= RANKING_PARAMS.minText * best);
  if (textual.length === 0 || !stats) return [];
  const ranked = textual
    .map((s) => {
      const candidate: Profile = { ...s.candidate.hit };
      const fits = { field: fieldFit(subject, candidate), region: regionFit(subject, candidate) };
      const relative = s.text / best;
      const whole = wholeKeywords(s.candidate.keywords, said);
      const score = relative * structuralFactor(fits, params);
      return { s, matches: s.matches, whole, keywords: s.candidate.keywords, fits, relative, score };
    })
    .sort((a, b) => b.score - a.score || a.s.candidate.hit.id.localeCompare(b.s.candidate.hit.id));
  const listed = await directoryList(engine, ranked, stats.docs, limit, (kept, telling) =>
    sharedStretches(
      type,
      kept.map((k) => k.s.candidate.hit.id),
      said,
      telling,
      texts,
    ),
  );
  return listed.map(({ item: { s, fits, relative, score }, whole, reasons }) => ({
    id: s.candidate.hit.id,
    type: s.candidate.hit.type,
    title: s.candidate.hit.title,
    score: Math.round(score * 10_000) / 10_000,
    breakdown: { text: r3(relative), field: r3(fits.field.score), region: r3(fits.region.score) } as never,
    reasons,
    matchedTerms: shownTerms(s.matches, undefined, whole),
  }));
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A directory's list (experts, institutions, offerings) from its ranked candidates, best first: the
 * first `limit` whose match does not rest on generic words only (`restsOnGenericWords`, judged
 * against general Chinese and all public text: directories are small, so a word's rarity in them
 * says little), each with its reasons by the listings' rule (reasons.ts; `whole`: the candidate
 * owner's keywords found whole in the subject, shown as one term): the text reason, then
 * the fits' reasons that distinguish within the list.
 */
export async function directoryList<
  T extends {
    matches: readonly TermMatch[];
    fits: Record<string, Fit>;
    whole?: readonly string[];
    keywords?: readonly string[];
  },
>(
  engine: SearchEngine,
  ranked: readonly T[],
  docs: number,
  limit: number,
  /** the stretches each listed candidate's text shares with the subject around its telling words */
  stretches?: (kept: readonly T[], telling: string[][]) => Promise<string[][]>,
): Promise<{ item: T; reasons: string[]; whole: string[] }[]> {
  const publicText = await publicTextStats(
    engine,
    ranked.flatMap((r) => reasonLexemes(r.matches)),
  );
  const kept = ranked.filter((r) => !restsOnGenericWords(r.matches, docs, publicText)).slice(0, limit);
  const shared = stretches
    ? await stretches(
        kept,
        kept.map((k) => [...tellingTerms(k.matches, docs, publicText), ...(k.whole ?? [])]),
      )
    : [];
  const whole = kept.map((k, i) => [...(k.whole ?? []), ...(shared[i] ?? [])]);
  const reasons = distinctiveReasons(
    kept.map(({ matches, fits, keywords }, i) => ({
      text: textReason(matches, docs, publicText, whole[i]),
      keywords,
      structured: Object.values(fits).flatMap((f) =>
        f.reason ? [{ kind: f.reason, reason: f.reason }] : [],
      ),
    })),
  );
  return kept.map((item, i) => ({ item, reasons: reasons[i]!, whole: whole[i]! }));
}
