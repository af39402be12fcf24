/**
 * Reasons a person can trust (智能撮合的理由): only terms that carry weight, shown as what in the
 * need matched what in the candidate; a match resting on one common word is said to be weak, not
 * presented as a keyword match; and a structured reason that holds for most of a list (同省 in an
 * exchange that is all in Jiangsu, 近期更新 on a fresh catalog) is left out, as it tells nothing.
 */
import { generalHead } from './generic-words.js';
import type { CorpusStats, TermMatch } from './lexical.js';
import { cutPieces, isNumber, normalizeText, STOP_WORDS } from './text.js';

/** A term is telling when at most this share of the catalog (and of all public text) contains it. */
const TELLING_SHARE = 0.05;
/** One term alone makes a keyword match only when at most this share of the catalog contains it. */
const RARE_SHARE = 0.01;
/** ...or at most this many documents (small catalogs). */
const RARE_DOCS = 3;
const SHOWN_TERMS = 5;
const SHOWN_SYNONYMS = 2;
const HAN = /\p{Script=Han}/u;
/** The wording of a match resting on common words only. */
export const WEAK_REASON = '弱相关：仅共有常见词';

/** A word of at least two characters (or a Latin term), not a number. */
function isWord(m: TermMatch): boolean {
  if (m.kind !== 'word' || isNumber(m.term)) return false;
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
  // the longest phrase holding the term (a shared stretch may hold an owner's keyword)
  const longestFirst = [...whole].sort((a, b) => b.length - a.length);
  return terms.map((t) => longestFirst.find((k) => k.length > t.length && holds(k, t)) ?? t);
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
    if ([...k].length >= MIN_KEYWORD_CHARS && !isNumber(k) && holds(subjectText, k)) found.add(k);
  }
  return [...found];
}

/** Longest phrase shown for a stretch both texts share (characters). */
export const MAX_PHRASE_CHARS = 16;
/** Occurrences of a term in the subject examined for a shared stretch around it. */
const MAX_OCCURRENCES = 3;
/** Terms of one candidate looked for in shared stretches (its most telling, as shown). */
const MAX_PHRASE_TERMS = 2 * SHOWN_TERMS;
/** Characters of the subject's and of a candidate's text looked at (bounds the work per request). */
export const MAX_PHRASE_TEXT = 20_000;
const WORD_CHARS = /^[\p{L}\p{N}]+$/u;

/** The subject's text cut once per request, for `sharedPhrases`. */
export interface SubjectPieces {
  text: string;
  pieces: string[];
  /** character offset of each piece in `text` */
  starts: number[];
}

/** The subject's normalised text (`subjectText` in ranking.ts) as jieba pieces with their offsets. */
export function subjectPieces(said: string): SubjectPieces {
  const text = said.slice(0, MAX_PHRASE_TEXT);
  const pieces = cutPieces(text);
  const starts: number[] = [];
  let at = 0;
  for (const p of pieces) {
    starts.push(at);
    at += p.length;
  }
  // jieba keeps every character; should it not, no phrase is looked for (the terms are shown)
  return at === text.length ? { text, pieces, starts } : { text, pieces: [], starts: [] };
}

/** A piece a phrase may hold: letters and digits only (punctuation, spaces and line breaks end it). */
const joinable = (piece: string) => WORD_CHARS.test(piece);

/**
 * A piece a phrase may begin or end with: a word that carries weight by itself (not a stop word,
 * not common language, not a lone Han character, not a number), so that a shared stretch is not
 * padded with 的, 技术 or 平台 on either side.
 */
function weighty(piece: string): boolean {
  if (!joinable(piece) || isNumber(piece) || STOP_WORDS.has(piece)) return false;
  if (HAN.test(piece) ? [...piece].length < 2 : piece.length < 2) return false;
  return !generalHead().has(piece);
}

/**
 * The stretches of the subject's text that the candidate's text holds too, each around one of
 * `terms` (the candidate's telling matched words, most telling first, then its owner's keywords
 * found whole): for each term, the longest
 * run of the subject's jieba pieces that covers an occurrence of the term, appears whole in the
 * candidate's text (`holds`), holds only letters and digits, begins and ends with a piece of one of
 * the `terms` (or one holding one) that carries weight by itself (`weighty`; the term's own pieces
 * excepted), so it covers matched words from end to end, and is at most MAX_PHRASE_CHARS long. A stretch no longer than the term says nothing more and is not returned.
 * Generic: no word list; bounded: at most MAX_PHRASE_TERMS terms, MAX_OCCURRENCES occurrences
 * each, and for each a left-first and a right-first greedy extension (each step one substring
 * search of the candidate's text, at most MAX_PHRASE_TEXT characters).
 */
export function sharedPhrases(
  terms: readonly string[],
  subject: SubjectPieces,
  candidateText: string,
): string[] {
  const { text, pieces, starts } = subject;
  if (pieces.length === 0 || candidateText === '') return [];
  const other = candidateText.slice(0, MAX_PHRASE_TEXT);
  const span = (a: number, b: number) => text.slice(starts[a], starts[b]! + pieces[b]!.length);
  const fits = (a: number, b: number) => [...span(a, b)].length <= MAX_PHRASE_CHARS;
  const shared = (a: number, b: number) => holds(other, span(a, b));
  const pieceAt = (offset: number) => {
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const telling = terms.slice(0, MAX_PHRASE_TERMS);
  // a stretch begins and ends on a matched word: a piece of one, or one holding one, that carries weight
  const matched = (piece: string) =>
    weighty(piece) && telling.some((t) => holds(piece, t) || holds(t, piece));
  const found: string[] = [];
  for (const term of telling) {
    if (term.length === 0 || found.some((p) => holds(p, term))) continue;
    let best = '';
    let seen = 0;
    for (let at = text.indexOf(term); at >= 0 && seen < MAX_OCCURRENCES; at = text.indexOf(term, at + 1)) {
      seen++;
      const i0 = pieceAt(at);
      const i1 = pieceAt(at + term.length - 1);
      let ok = true;
      for (let k = i0; k <= i1; k++) ok &&= joinable(pieces[k]!);
      if (!ok || !fits(i0, i1) || !shared(i0, i1)) continue;
      for (const leftFirst of [true, false]) {
        let [a, b] = [i0, i1];
        const left = () => {
          while (a > 0 && joinable(pieces[a - 1]!) && fits(a - 1, b) && shared(a - 1, b)) a--;
        };
        const right = () => {
          while (b + 1 < pieces.length && joinable(pieces[b + 1]!) && fits(a, b + 1) && shared(a, b + 1)) b++;
        };
        if (leftFirst) {
          left();
          right();
        } else {
          right();
          left();
        }
        while (a < i0 && !matched(pieces[a]!)) a++;
        while (b > i1 && !matched(pieces[b]!)) b--;
        const phrase = span(a, b);
        if (phrase.length > best.length) best = phrase;
      }
    }
    if (best.length > term.length && !generalHead().has(best)) found.push(best);
  }
  return found;
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
 * The candidate's telling words matched as themselves (not through a synonym), most contributing
 * first: those a keyword reason may show, and the only ones `sharedPhrases` looks around.
 */
export function tellingTerms(
  matches: readonly TermMatch[],
  docs: number,
  publicText?: CorpusStats,
): string[] {
  return [
    ...new Set(
      tellingMatches(matches, docs, publicText)
        .filter((m) => m.surface === m.term)
        .map((m) => m.term),
    ),
  ];
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
  /** the candidate owner's own keywords: what in the candidate a repeated text reason's words are part of */
  keywords?: readonly string[];
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
    else if (item.text) count(namingKind(item.text));
  }
  const common = (kind: string) =>
    list.length >= MIN_LIST_FOR_SHARE && (counts.get(kind) ?? 0) > list.length / 2;
  return list.map((item) => {
    const structured = item.structured.filter((s) => !common(s.kind)).map((s) => s.reason);
    if (!item.text) return structured;
    // a match is never left unexplained: the weak reason stays when nothing else is said
    const repeated = item.text.startsWith(WEAK_REASON) && common(weakKind(item.text));
    if (repeated && structured.length > 0) return structured;
    // the same words matched in most of the list: say what in this candidate they are part of
    const text =
      !item.text.startsWith(WEAK_REASON) && common(namingKind(item.text))
        ? withCandidateSide(item.text, item.keywords)
        : item.text;
    return [text, ...structured];
  });
}

/** The kind of a keyword or synonym reason (its exact words). */
const namingKind = (text: string) => `naming:${text}`;

/** Keywords of the candidate named beside a repeated reason. */
const SIDE_KEYWORDS = 2;

/** The words a keyword or synonym reason shows of the candidate (after 关键词匹配： or each ↔). */
function reasonWords(text: string): string[] {
  if (text.startsWith('关键词匹配：')) return text.slice('关键词匹配：'.length).split('、');
  return [...text.matchAll(/↔「([^」]+)」/gu)].map((m) => m[1]!);
}

/**
 * A keyword or synonym reason with what in the candidate its words are part of: the candidate
 * owner's own keywords holding one of them and longer than it (关键词匹配：五轴、机床（对方关键词
 * 「五轴联动数控机床」）). Unchanged when no keyword of the candidate holds one of its words.
 */
function withCandidateSide(text: string, keywords: readonly string[] | undefined): string {
  if (!keywords || keywords.length === 0) return text;
  const words = reasonWords(text);
  const side = [...new Set(keywords.map(normalizeText))]
    .filter((k) => !words.includes(k) && words.some((w) => k.length > w.length && holds(k, w)))
    .slice(0, SIDE_KEYWORDS);
  return side.length === 0 ? text : `${text}（对方关键词${side.map((k) => `「${k}」`).join('')}）`;
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
