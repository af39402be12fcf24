/**
 * Need ↔ achievement matching with explanations (智能撮合).
 *
 * 1. Text first: the subject's whole public text becomes a weighted lexical query (lexical.ts:
 *    every term, weighted by rarity, synonyms as weighted alternatives); the engine returns the
 *    candidates sharing its rarer words with their term vectors, and BM25F scores them, the same
 *    on both engines.
 * 2. Structure as evidence: field, readiness, price, modes, region and freshness multiply the text
 *    score by a factor within [1 − s, 1 + s] / (1 + s), s = `RANKING_PARAMS.strength`. They reorder
 *    candidates of comparable textual relevance; a candidate with no real textual fit stays at the
 *    bottom whatever its structure, and one below `minText` of the best is no match at all.
 * 3. Reasons (reasons.ts): telling terms only, and no structured reason that holds for most of
 *    the list.
 */
import {
  type AssociationTable,
  associationTerms,
  EMPTY_ASSOCIATIONS,
  EXPANSION_PARAMS,
  type ExpansionParams,
} from './associations.js';
import { type CandidatePass, extendCandidates, sameSelection } from './candidate-reuse.js';
import type { CandidateTexts } from './candidate-texts.js';
import { diversify } from './diversity.js';
import type { Candidate, DocumentType, SearchDocument, SearchEngine, SearchFilters } from './engine.js';
import {
  type Fit,
  fieldFit,
  freshnessFit,
  modesFit,
  type Profile,
  priceFit,
  regionFit,
  trlFit,
} from './fits.js';
import { fusedCandidates, type SemanticRetriever, semanticReason } from './fusion.js';
import { publicTextStats } from './generic-words.js';
import {
  type CorpusStats,
  FEEDBACK_PARAMS,
  type FeedbackParams,
  feedbackTerms,
  LEXICAL_PARAMS,
  type LexicalParams,
  type LexicalTerm,
  lexicalQuery,
  lexicalScore,
  queryLexemes,
  selectionLexemes,
  type TermMatch,
} from './lexical.js';
import { averageLengths } from './meili-candidates.js';
import {
  distinctiveReasons,
  type Explained,
  reasonLexemes,
  sharedPhrases,
  shownTerms,
  subjectPieces,
  tellingTerms,
  textReason,
  wholeKeywords,
} from './reasons.js';
import { isNumber, normalizeText } from './text.js';

export type { Fit, Profile } from './fits.js';
export { fieldFit, regionFit } from './fits.js';

/** The structural components and their weights in the structural evidence (normalised by their sum). */
export const STRUCTURE_WEIGHTS = {
  field: 0,
  trl: 0.25,
  price: 0.1,
  modes: 0.3,
  region: 0.1,
  freshness: 0.1,
} as const;

export interface RankingParams {
  lexical: LexicalParams;
  feedback: FeedbackParams;
  /** expansion by the catalog's term associations (associations.ts) */
  associations: ExpansionParams;
  /** how far structure may move a text score: ×(1 ± strength)/(1 + strength) */
  strength: number;
  structure: Record<keyof typeof STRUCTURE_WEIGHTS, number>;
  /** candidates whose text score is below this share of the best are no match */
  minText: number;
  /** how far a title nearly repeating one placed above moves a candidate down (diversity.ts) */
  diversity: number;
}

/** Fitted alone from the shipped values, on the devset (README.md, "Diversity"). */
const DIVERSITY_WEIGHT = 1.5;

/** Fitted by scripts/bench/match-fit.ts (README.md, "Matching"). */
export const RANKING_PARAMS: RankingParams = {
  lexical: LEXICAL_PARAMS,
  feedback: FEEDBACK_PARAMS,
  associations: EXPANSION_PARAMS,
  strength: 0.9,
  structure: { ...STRUCTURE_WEIGHTS },
  minText: 0.05,
  diversity: DIVERSITY_WEIGHT,
};

/** The components of a match's breakdown: text, then the structural ones. */
export const MATCH_WEIGHTS = { text: 1, ...STRUCTURE_WEIGHTS } as const;

/** Identifies the ranking that produced a list (recorded with interests that come from it). */
export const RANKING_VERSION = 'bm25f-2026.12e';

export type MatchBreakdown = Record<keyof typeof MATCH_WEIGHTS, number> & {
  /** cosine similarity to the subject, for a semantic neighbour (embeddings on) */
  semantic?: number;
  /** title overlap with a match placed above it (diversity.ts), when there is one */
  redundancy?: number;
};

export interface Match {
  id: string;
  type: DocumentType;
  title: string;
  /** text relevance (share of the best candidate's) times the structural factor, 0–1 */
  score: number;
  /** each component 0–1: text relative to the best candidate, the structural fits */
  breakdown: MatchBreakdown;
  reasons: string[];
  matchedTerms: string[];
  /** a listing's status (published or in_negotiation); absent for experts and institutions */
  status?: string;
}

export interface MatchOptions {
  /** matches returned, 1–50 (default 20) */
  limit?: number;
  /** extra filters on the candidates (the engine defaults to SEARCHABLE_STATUSES) */
  filters?: SearchFilters;
  /** for tests and benchmarks: the time freshness is measured against */
  now?: Date;
  /** semantic neighbours fused with the lexical ranking (fusion.ts); absent: lexical only */
  semantic?: SemanticRetriever;
  /** the catalog's term associations (associations.ts); none: no association expansion */
  associations?: AssociationTable;
  /**
   * the shown candidates' public texts (candidate-texts.ts), for the stretches both texts share
   * (reasons.ts, `sharedPhrases`); absent: the matched words and owners' keywords only
   */
  texts?: CandidateTexts;
}

export type QueryConstraints = Omit<Profile, 'trl' | 'priceFen' | 'budgetMinFen'> & {
  budgetMaxFen?: number | null;
};

/** Documents the rarer query words may select before scoring. */
export const SELECTION_BUDGET = 1000;
/** Candidates scored with BM25F (those with the most selecting words first). */
export const SCORED_CANDIDATES = 200;
const MAX_LIMIT = 50;
/** Query terms reported back (the informative words of the subject, rarest first). */
const SHOWN_QUERY_TERMS = 30;

/**
 * Words of need and listing forms that say nothing about the technology (我们希望…): the
 * stop words of the genre, dropped from matching queries only (they stay searchable).
 */
// biome-ignore format: a packed list reads better
export const FORM_WORDS: ReadonlySet<string> = new Set([
  '我们', '我司', '我厂', '本公司', '公司', '企业', '工厂', '厂里', '现在', '目前', '现有', '希望', '想', '想要',
  '需要', '需求', '寻求', '要求', '问题', '解决', '解决方案', '方案', '能够', '能', '一下', '主要', '比较', '非常',
  '很多', '没有', '不能', '不够', '已经', '还', '再', '自己', '一直', '希望能', '帮助', '帮忙', '找', '想找',
]);

/** The text of a document as a lexical query: its title, and the rest as body. */
function queryText(doc: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>) {
  return {
    title: doc.title,
    body: [...(doc.keywords ?? []), doc.summary ?? '', doc.body ?? ''].join('\n'),
  };
}

/**
 * The subject's public text as the reasons look for an owner's keyword in it (wholeKeywords):
 * its title, keywords, summary and body, each normalised, one per line.
 */
export function subjectText(doc: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>): string {
  return [doc.title, ...(doc.keywords ?? []), doc.summary ?? '', doc.body ?? '']
    .map(normalizeText)
    .join('\n');
}

export interface ScoredCandidate {
  candidate: Candidate;
  text: number;
  matches: TermMatch[];
}

/** The lexical query of a subject, without the form words. */
export function subjectQuery(
  doc: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>,
  thesaurus: Parameters<typeof lexicalQuery>[1],
  params: LexicalParams = RANKING_PARAMS.lexical,
): LexicalTerm[] {
  return lexicalQuery(queryText(doc), thesaurus, params).filter((t) => !FORM_WORDS.has(t.term));
}

/**
 * Candidates of `type` for a lexical query, scored by BM25F, best first; and the corpus statistics.
 * The catalog's term associations first lend the query the keywords its words go with
 * (`associationTerms`); with feedback on, the best first-pass candidates then lend their words to a
 * second pass (`feedbackTerms`); both weighted below the query's own words.
 */
export async function textCandidates(
  engine: SearchEngine,
  type: DocumentType,
  own: LexicalTerm[],
  filters: SearchFilters | undefined,
  params: Pick<RankingParams, 'lexical' | 'feedback' | 'associations'> = RANKING_PARAMS,
  associations: AssociationTable = EMPTY_ASSOCIATIONS,
): Promise<{ scored: ScoredCandidate[]; stats: CorpusStats; terms: LexicalTerm[] }> {
  const query = [...own, ...associationTerms(own, associations, params.associations)];
  const first = await textPass(engine, type, query, filters, params.lexical);
  const { docs } = params.feedback;
  if (docs <= 0 || first.scored.length < 2) return { ...first, terms: query };
  const top = first.scored.slice(0, docs);
  const vectors = await engine.candidates({
    type,
    select: first.select,
    lexemes: 'all',
    filters: { ...filters, ids: top.map((s) => s.candidate.hit.id) },
    limit: docs,
  });
  const scoreOfId = new Map(top.map((s) => [s.candidate.hit.id, s.text]));
  const seen = [...new Set(vectors.flatMap((v) => [...v.tf.keys()]))];
  const seenStats = await engine.corpusStats(type, seen);
  const expansion = feedbackTerms(
    query,
    vectors.map((v) => ({ vector: v, score: scoreOfId.get(v.hit.id) ?? 0 })),
    seenStats,
    params.feedback,
  );
  if (expansion.length === 0) return { ...first, terms: query };
  const terms = [...query, ...expansion];
  return { ...(await textPass(engine, type, terms, filters, params.lexical, first)), terms };
}

async function textPass(
  engine: SearchEngine,
  type: DocumentType,
  terms: LexicalTerm[],
  filters: SearchFilters | undefined,
  params: LexicalParams,
  previous?: CandidatePass,
) {
  const lexemes = queryLexemes(terms);
  const stats = await engine.corpusStats(type, lexemes);
  const select = selectionLexemes(terms, stats, SELECTION_BUDGET);
  // the same selection finds the same candidates (candidate-reuse.ts)
  const candidates =
    previous && sameSelection(previous.select, select)
      ? await extendCandidates(engine, type, previous, lexemes, filters)
      : await engine.candidates({ type, select, lexemes, filters, limit: SCORED_CANDIDATES });
  const withLengths =
    stats.avgLengths.length > 0 ? stats : { ...stats, avgLengths: averageLengths(candidates) };
  const scored = candidates
    .map((candidate) => {
      const { score, matches } = lexicalScore(terms, withLengths, candidate, params);
      return { candidate, text: score, matches };
    })
    .filter((s) => s.text > 0)
    .sort((a, b) => b.text - a.text || a.candidate.hit.id.localeCompare(b.candidate.hit.id));
  return { scored, stats, select, lexemes, candidates };
}

/** The structural factor of a set of fits: 1 ± strength around the neutral 0.5, over (1 + strength). */
export function structuralFactor(
  fits: Partial<Record<keyof typeof STRUCTURE_WEIGHTS, Fit>>,
  params: Pick<RankingParams, 'strength' | 'structure'> = RANKING_PARAMS,
): number {
  let evidence = 0;
  let total = 0;
  for (const [k, fit] of Object.entries(fits) as [keyof typeof STRUCTURE_WEIGHTS, Fit][]) {
    const w = params.structure[k] ?? 0;
    evidence += w * (2 * fit.score - 1);
    total += w;
  }
  const s = total > 0 ? evidence / total : 0;
  return (1 + params.strength * s) / (1 + params.strength);
}

/** The structural fits of a candidate of `type` for `subject`. */
export function structuralFits(
  type: DocumentType,
  subject: Profile,
  hit: Profile & { updatedAt: string },
  now: Date,
): Record<keyof typeof STRUCTURE_WEIGHTS, Fit> {
  const candidate: Profile = { ...hit };
  const [achievement, need] = type === 'achievement' ? [candidate, subject] : [subject, candidate];
  return {
    field: fieldFit(subject, candidate),
    trl: trlFit(achievement, need),
    price: priceFit(achievement, need),
    modes: modesFit(subject, candidate),
    region: regionFit(subject, candidate),
    freshness: freshnessFit(hit.updatedAt, now),
  };
}

/** Reason kind for the distinctiveness rule: a shortfall is another kind than a fit. */
function reasonKind(component: string, fit: Fit): string {
  if (component === 'modes') return 'modes';
  if (component === 'trl') return fit.score >= 1 ? 'trl+' : 'trl-';
  return fit.reason ?? component;
}

export interface Ranked {
  matches: Match[];
  /** the subject's informative words, rarest first */
  queryTerms: string[];
  /** set when semantic neighbours were fused in (otherwise the list is RANKING_VERSION's) */
  rankingVersion?: string;
}

/** Ranks candidates of `type` for `subject`; which side is the achievement follows from `type`. */
async function rank(
  engine: SearchEngine,
  type: DocumentType,
  text: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>,
  subject: Profile,
  opts: MatchOptions,
): Promise<Ranked> {
  const limit = Math.min(Math.max(1, opts.limit ?? 20), MAX_LIMIT);
  const terms = subjectQuery(text, await engine.thesaurus());
  if (terms.length === 0) return { matches: [], queryTerms: [] };
  // embedded while the lexical candidates are scored; a failure resolves to undefined (lexical only)
  const neighbours = opts.semantic?.nearest(type, text);
  const { scored, stats } = await textCandidates(
    engine,
    type,
    terms,
    opts.filters,
    RANKING_PARAMS,
    opts.associations,
  );
  const queryTerms = informativeTerms(terms, stats);
  const best = scored[0]?.text ?? 0;
  const lexical = best > 0 ? scored.filter((s) => s.text >= RANKING_PARAMS.minText * best) : [];
  const semantic = opts.semantic ? { retriever: opts.semantic, neighbours: await neighbours } : undefined;
  const candidates = await fusedCandidates(engine, type, lexical, best, opts.filters, semantic);
  const rankingVersion = semantic?.neighbours ? semantic.retriever.rankingVersion : undefined;
  if (candidates.length === 0) return { matches: [], queryTerms, rankingVersion };
  const now = opts.now ?? new Date();
  const scoredCandidates = candidates
    .map((c) => {
      const fits = structuralFits(type, subject, c.hit, now);
      return { c, fits, score: c.relevance * structuralFactor(fits) };
    })
    .sort((a, b) => b.score - a.score || a.c.hit.id.localeCompare(b.c.hit.id));
  const ranked = diversify(
    scoredCandidates,
    (s) => s.score,
    (s) => s.c.hit.title,
    RANKING_PARAMS.diversity,
    limit,
  ).map(({ item, redundancy }) => ({ ...item, redundancy }));
  const publicText = await publicTextStats(
    engine,
    ranked.flatMap(({ c }) => reasonLexemes(c.matches)),
  );
  const said = subjectText(text);
  const keywords = ranked.map(({ c }) => wholeKeywords(c.keywords, said));
  const stretches = await sharedStretches(
    type,
    ranked.map(({ c }) => c.hit.id),
    said,
    ranked.map(({ c }, i) => [...tellingTerms(c.matches, stats.docs, publicText), ...keywords[i]!]),
    opts.texts,
  );
  const whole = ranked.map((_, i) => [...keywords[i]!, ...stretches[i]!]);
  const explained: Explained[] = ranked.map(({ c, fits }, i) => ({
    text: textReason(c.matches, stats.docs, publicText, whole[i]),
    keywords: c.keywords,
    structured: Object.entries(fits).flatMap(([k, f]) =>
      f.reason ? [{ kind: reasonKind(k, f), reason: f.reason }] : [],
    ),
  }));
  const reasons = distinctiveReasons(explained);
  const matches = ranked.map(({ c, fits, score, redundancy }, i): Match => {
    const breakdown = { text: round(c.text, 1000) } as MatchBreakdown;
    for (const [k, f] of Object.entries(fits))
      breakdown[k as keyof typeof STRUCTURE_WEIGHTS] = round(f.score, 1000);
    if (redundancy > 0) breakdown.redundancy = round(redundancy, 1000);
    const shown = reasons[i]!;
    if (c.similarity !== undefined) {
      breakdown.semantic = round(c.similarity, 1000);
      // after the text reason (when there is one): found by meaning, and said so
      const text = explained[i]!.text;
      shown.splice(text !== undefined && shown[0] === text ? 1 : 0, 0, semanticReason(c.similarity));
    }
    return {
      id: c.hit.id,
      type: c.hit.type,
      title: c.hit.title,
      score: round(score, 10_000),
      breakdown,
      reasons: shown,
      matchedTerms: shownTerms(c.matches, undefined, whole[i]),
      status: c.hit.status,
    };
  });
  return { matches, queryTerms, rankingVersion };
}

const round = (x: number, by: number) => Math.round(x * by) / by;

/**
 * The stretches of the subject's text (`said`) each candidate's public text holds too, around its
 * telling words and its owner's keywords found whole (`telling`, per candidate; reasons.ts,
 * `sharedPhrases`), from the candidates' texts (`texts`, one read for all); none without texts.
 */
export async function sharedStretches(
  type: DocumentType,
  ids: readonly string[],
  said: string,
  telling: readonly string[][],
  texts: CandidateTexts | undefined,
): Promise<string[][]> {
  const wanted = ids.filter((_, i) => telling[i]!.length > 0);
  if (!texts || said === '' || wanted.length === 0) return ids.map(() => []);
  const found = await texts(type, wanted);
  const subject = subjectPieces(said);
  return ids.map((id, i) => {
    const text = found.get(id);
    return text && telling[i]!.length > 0 ? sharedPhrases(telling[i]!, subject, text) : [];
  });
}

/**
 * The subject's words as matched: those the catalog knows first, rarest first, then the others;
 * none that only repeats part of a longer one (热管 beside 热管理).
 */
function informativeTerms(terms: readonly LexicalTerm[], stats: CorpusStats): string[] {
  const words = terms
    .filter((t) => t.kind === 'word' && [...t.term].length >= 2 && !isNumber(t.term))
    .map((t) => t.term);
  const whole = words.filter((w) => !words.some((other) => other !== w && other.includes(w)));
  const dfOf = (w: string) => stats.df.get(w) || Number.MAX_SAFE_INTEGER;
  return whole.sort((a, b) => dfOf(a) - dfOf(b) || a.localeCompare(b)).slice(0, SHOWN_QUERY_TERMS);
}

/** Achievements that could meet a need, best first, each with its breakdown and reasons. */
export async function matchAchievementsForNeed(
  engine: SearchEngine,
  need: SearchDocument,
  opts: MatchOptions = {},
): Promise<Match[]> {
  return (await rankAchievementsForNeed(engine, need, opts)).matches;
}

export function rankAchievementsForNeed(
  engine: SearchEngine,
  need: SearchDocument,
  opts: MatchOptions = {},
): Promise<Ranked> {
  return rank(engine, 'achievement', need, need, opts);
}

/** Needs (enterprises) an achievement could serve, best first. */
export async function matchNeedsForAchievement(
  engine: SearchEngine,
  achievement: SearchDocument,
  opts: MatchOptions = {},
): Promise<Match[]> {
  return (await rankNeedsForAchievement(engine, achievement, opts)).matches;
}

export function rankNeedsForAchievement(
  engine: SearchEngine,
  achievement: SearchDocument,
  opts: MatchOptions = {},
): Promise<Ranked> {
  return rank(engine, 'need', achievement, achievement, opts);
}

/** Ad-hoc text plus constraints, ranked like a need (POST /v1/matches/query). */
export async function matchQuery(
  engine: SearchEngine,
  text: string,
  constraints: QueryConstraints = {},
  opts: MatchOptions = {},
): Promise<Match[]> {
  return (await rankQuery(engine, text, constraints, opts)).matches;
}

export function rankQuery(
  engine: SearchEngine,
  text: string,
  constraints: QueryConstraints = {},
  opts: MatchOptions = {},
): Promise<Ranked> {
  return rank(engine, 'achievement', { title: text }, constraints, opts);
}
