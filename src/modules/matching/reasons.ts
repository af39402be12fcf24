/**
 * Reasons a person can trust (智能撮合的理由): only terms that carry weight, shown as what in the
 * need matched what in the candidate; a match resting on one common word is said to be weak, not
 * presented as a keyword match; and a structured reason that holds for most of a list (同省 in an
 * exchange that is all in Jiangsu, 近期更新 on a fresh catalog) is left out, as it tells nothing.
 */
import { generalHead } from './generic-words.js';
import type { CorpusStats, TermMatch } from './lexical.js';
import { normalizeText } from './text.js';

/** A term is telling when at most this share of the catalog (and of all public text) contains it. */
const TELLING_SHARE = 0.05;
/** One term alone makes a keyword match only when at most this share of the catalog contains it. */
const RARE_SHARE = 0.01;
/** ...or at most this many documents (small catalogs). */
const RARE_DOCS = 3;
const SHOWN_TERMS = 5;
const SHOWN_SYNONYMS = 2;
const HAN = /\p{Script=Han}/u;
const DIGITS_ONLY = /^[\d.%]+$/;
/** The wording of a match resting on common words only. */
export const WEAK_REASON = '弱相关：仅共有常见词';

/** A word of at least two characters (or a Latin term), not a number. */
function isWord(m: TermMatch): boolean {
  if (m.kind !== 'word' || DIGITS_ONLY.test(m.term)) return false;
  return HAN.test(m.term) ? [...m.term].length >= 2 : m.term.length >= 2;
}

/** The words shown as matched, most contributing first, none inside another of them. */
export function shownTerms(
  matches: readonly TermMatch[],
  limit = 10,
  whole: readonly string[] = [],
): string[] {
  return outermost(asPhrases([...new Set(matches.filter(isWord).map((m) => m.term))], whole), limit);
}

/** The terms in order, without repeats and without any inside another of them, at most `limit`. */
function outermost(terms: readonly string[], limit: number): string[] {
  const words = [...new Set(terms)];
  const shown: string[] = [];
  for (const w of words) {
    if (words.some((other) => other.length > w.length && other.includes(w))) continue;
    shown.push(w);
    if (shown.length >= limit) break;
  }
  return shown;
}

const LATIN_OR_DIGIT = /[a-z0-9]/;

/** Whether `phrase` holds `word` as a whole (a Latin word not inside a longer Latin word). */
function holds(phrase: string, word: string): boolean {
  for (let at = phrase.indexOf(word); at >= 0; at = phrase.indexOf(word, at + 1)) {
    const before = phrase[at - 1] ?? '';
    const after = phrase[at + word.length] ?? '';
    const glued =
      (LATIN_OR_DIGIT.test(word[0]!) && LATIN_OR_DIGIT.test(before)) ||
      (LATIN_OR_DIGIT.test(word[word.length - 1]!) && LATIN_OR_DIGIT.test(after));
    if (!glued) return true;
  }
  return false;
}

/**
 * The terms with each word that is part of an owner's keyword found whole in the subject (`whole`,
 * see `wholeKeywords`) replaced by that keyword: what in the need matched what in the candidate is
 * the phrase (感兴趣区域码率分配), not its fragments (感兴趣, 码率).
 */
function asPhrases(terms: readonly string[], whole: readonly string[]): string[] {
  if (whole.length === 0) return [...terms];
  return terms.map((t) => whole.find((k) => k.length > t.length && holds(k, t)) ?? t);
}

/** Characters an owner's keyword needs to be looked for whole in a subject's text. */
const MIN_KEYWORD_CHARS = 2;

/**
 * The candidate owner's keywords (an achievement's, expert's or institution's own `keywords`)
 * that occur whole in the subject's text, normalised; `subjectText` is normalised already
 * (`normalizeText`, as `subjectText` in ranking.ts makes it).
 */
export function wholeKeywords(keywords: readonly string[] | undefined, subjectText: string): string[] {
  if (!keywords || keywords.length === 0 || subjectText === '') return [];
  const found = new Set<string>();
  for (const raw of keywords) {
    const k = normalizeText(raw);
    if ([...k].length >= MIN_KEYWORD_CHARS && !DIGITS_ONLY.test(k) && holds(subjectText, k)) found.add(k);
  }
  return [...found];
}

/** Documents of `stats` holding the matched word (its surface, or the need's term). */
const dfIn = (stats: CorpusStats, m: TermMatch) => stats.df.get(m.surface) ?? stats.df.get(m.term) ?? 0;

/** Whether a matched word is rare in `stats` (a share or, for small catalogs, a count). */
const rareIn = (stats: { docs: number }, df: number, share: number) =>
  df <= RARE_DOCS || (stats.docs > 0 && df / stats.docs <= share);

/**
 * Whether a matched word is generic (generic-words.ts): common language (the general-Chinese
 * head), or in more than TELLING_SHARE (and more than RARE_DOCS) of all public text. The latter
 * matters for a small directory, where every word is rare by count: 技术成熟度 in two of sixteen
 * institutions tells nothing when a third of all listings hold it.
 */
export function isGeneric(m: TermMatch, publicText?: CorpusStats): boolean {
  const head = generalHead();
  if (head.has(m.term) || head.has(m.surface)) return true;
  return publicText !== undefined && !rareIn(publicText, dfIn(publicText, m), TELLING_SHARE);
}

/**
 * The matched words that tell something: words (not bigrams, not numbers), not generic
 * (`isGeneric`, judged against `publicText`), in at most 5 % of the catalog scored (`docs`).
 */
function tellingMatches(matches: readonly TermMatch[], docs: number, publicText?: CorpusStats): TermMatch[] {
  return matches.filter(
    (m) => isWord(m) && rareIn({ docs }, m.df, TELLING_SHARE) && !isGeneric(m, publicText),
  );
}

/**
 * Whether a candidate's text match rests on common words only: its text reason would be the weak
 * one (no two telling words, no rare one, no synonym), which says 弱相关：仅共有常见词. The
 * directories (experts, institutions, offerings) list no such candidate: sharing 服务 or 技术成熟度,
 * or one word held by many documents, with a need is no evidence a person can act on (issue 13
 * item 4).
 */
export function restsOnGenericWords(
  matches: readonly TermMatch[],
  docs: number,
  publicText?: CorpusStats,
): boolean {
  // whether the reason is weak does not depend on how its words are shown (no `whole` needed)
  const reason = textReason(matches, docs, publicText);
  return reason === undefined || reason.startsWith(WEAK_REASON);
}

/**
 * The text reason of a candidate: a keyword match, a synonym match, or a weak one, by one rule
 * for every catalog and directory. A word is telling when it is not generic (`isGeneric`, judged
 * against `publicText`, the document frequencies of all public text) and is in at most 5 % of the
 * catalog scored (`docs` documents); a keyword match needs two telling words, or one that is rare
 * (≤ 1 % or ≤ 3 documents) in the catalog and in all public text. That decision is taken on the
 * words; then a telling word that is part of a keyword of the candidate's owner found whole in the
 * subject (`whole`, from `wholeKeywords`) is shown as that keyword, once.
 */
export function textReason(
  matches: readonly TermMatch[],
  docs: number,
  publicText?: CorpusStats,
  whole: readonly string[] = [],
): string | undefined {
  const telling = tellingMatches(matches, docs, publicText);
  const direct = shownTerms(
    telling.filter((m) => m.surface === m.term),
    SHOWN_TERMS,
  );
  const synonyms = telling.filter((m) => m.surface !== m.term).slice(0, SHOWN_SYNONYMS);
  const rare = (term: string) => {
    const m = telling.find((x) => x.term === term);
    return (
      m !== undefined &&
      rareIn({ docs }, m.df, RARE_SHARE) &&
      (!publicText || rareIn(publicText, dfIn(publicText, m), RARE_SHARE))
    );
  };
  if (direct.length >= 2 || (direct.length === 1 && rare(direct[0]!)))
    return `关键词匹配：${outermost(asPhrases(direct, whole), SHOWN_TERMS).join('、')}`;
  if (synonyms.length > 0) {
    return `近义匹配：${synonyms.map((m) => `需求「${m.term}」↔「${m.surface}」`).join('，')}`;
  }
  // the most contributing word, or the longer word holding it (技术成熟度, not 成熟)
  const best = shownTerms(matches, 1)[0] ?? matches[0]?.term;
  return best ? `${WEAK_REASON}「${best}」` : undefined;
}

/** The lexemes whose public-text frequencies `textReason` needs: the words not already ruled out. */
export function reasonLexemes(matches: readonly TermMatch[]): string[] {
  const head = generalHead();
  return [
    ...new Set(
      matches
        .filter((m) => isWord(m) && !head.has(m.term) && !head.has(m.surface))
        .flatMap((m) => [m.term, m.surface]),
    ),
  ];
}

/** Reasons of a ranked list, each candidate's structured reasons tagged with their kind. */
export interface Explained {
  text: string | undefined;
  structured: { kind: string; reason: string }[];
}

/** Lists shorter than this are not thinned: with one or two matches, nothing is "most of the list". */
const MIN_LIST_FOR_SHARE = 4;

/**
 * The final reasons of each candidate of a list: the text reason first, then the structured
 * reasons. Any structured reason, and a weak text reason (the same common word), that holds for
 * more than half of the list is left out: it tells one candidate from another no more than it
 * explains any of them (a weak reason stays when the candidate would be left with no reason).
 * Keyword and synonym reasons name what the candidate holds and are kept.
 */
export function distinctiveReasons(list: readonly Explained[]): string[][] {
  const counts = new Map<string, number>();
  const count = (kind: string) => counts.set(kind, (counts.get(kind) ?? 0) + 1);
  for (const item of list) {
    for (const kind of new Set(item.structured.map((s) => s.kind))) count(kind);
    if (item.text?.startsWith(WEAK_REASON)) count(weakKind(item.text));
  }
  const common = (kind: string) =>
    list.length >= MIN_LIST_FOR_SHARE && (counts.get(kind) ?? 0) > list.length / 2;
  return list.map((item) => {
    const structured = item.structured.filter((s) => !common(s.kind)).map((s) => s.reason);
    if (!item.text) return structured;
    // a match is never left unexplained: the weak reason stays when nothing else is said
    const repeated = item.text.startsWith(WEAK_REASON) && common(weakKind(item.text));
    return repeated && structured.length > 0 ? structured : [item.text, ...structured];
  });
}

/** The kind of a weak text reason: distinct from every structured reason's kind. */
const weakKind = (text: string) => `text:${text}`;

/** Reasons that name what matched (the words, the synonym, the offering): never thinned. */
const NAMING = ['关键词匹配：', '近义匹配：', '服务产品：'];

/**
 * The same rule on a list merged from lists explained apart (a need's institutions, found by their
 * own text and through their offerings): a reason string, other than one naming what matched,
 * that holds for more than half of a list of four or more is left out; an item left with none
 * keeps its first (its text reason).
 */
export function withoutRepeated(list: readonly string[][]): string[][] {
  const counts = new Map<string, number>();
  for (const reasons of list) for (const r of new Set(reasons)) counts.set(r, (counts.get(r) ?? 0) + 1);
  const common = (r: string) =>
    list.length >= MIN_LIST_FOR_SHARE &&
    !NAMING.some((prefix) => r.startsWith(prefix)) &&
    (counts.get(r) ?? 0) > list.length / 2;
  return list.map((reasons) => {
    const kept = reasons.filter((r) => !common(r));
    return kept.length > 0 ? kept : reasons.slice(0, 1);
  });
}
