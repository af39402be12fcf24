/**
 * Reasons a person can trust (智能撮合的理由): only terms that carry weight, shown as what in the
 * need matched what in the candidate; a match resting on one common word is said to be weak, not
 * presented as a keyword match; and a structured reason that holds for most of a list (同省 in an
 * exchange that is all in Jiangsu, 近期更新 on a fresh catalog) is left out, as it tells nothing.
 */
import type { CorpusStats, TermMatch } from './lexical.js';

/** A term is telling when at most this share of the catalog contains it. */
const TELLING_SHARE = 0.05;
/** One term alone makes a keyword match only when at most this share of the catalog contains it. */
const RARE_SHARE = 0.01;
/** ...or at most this many documents (small catalogs). */
const RARE_DOCS = 3;
const SHOWN_TERMS = 5;
const SHOWN_SYNONYMS = 2;
const HAN = /\p{Script=Han}/u;
const DIGITS_ONLY = /^[\d.%]+$/;

/** A word of at least two characters (or a Latin term), not a number. */
function isWord(m: TermMatch): boolean {
  if (m.kind !== 'word' || DIGITS_ONLY.test(m.term)) return false;
  return HAN.test(m.term) ? [...m.term].length >= 2 : m.term.length >= 2;
}

/** The words shown as matched, most contributing first, none inside another shown one. */
export function shownTerms(matches: readonly TermMatch[], limit = 10): string[] {
  const words = matches.filter(isWord).map((m) => m.term);
  const kept: string[] = [];
  for (const w of words) {
    if (kept.some((k) => k.includes(w))) continue;
    kept.push(w);
    if (kept.length >= limit) break;
  }
  return kept;
}

/**
 * Whether a word is common in a wider catalog (the listings) than the one it was scored in. A
 * small directory (a few dozen institutions or offerings) makes every word rare by count: 服务 or
 * 技术 in three of sixteen institutions is not a telling word for all that.
 */
function commonIn(wider: CorpusStats | undefined, m: TermMatch): boolean {
  if (!wider || wider.docs <= 0) return false;
  const df = wider.df.get(m.surface) ?? wider.df.get(m.term) ?? 0;
  return df / wider.docs > TELLING_SHARE;
}

/**
 * The text reason of a candidate: a keyword match, a synonym match, or a weak one. `wider`: the
 * statistics of a larger catalog whose common words never count as telling (for directories).
 */
export function textReason(
  matches: readonly TermMatch[],
  docs: number,
  wider?: CorpusStats,
): string | undefined {
  const share = (m: TermMatch) => (docs > 0 ? m.df / docs : 1);
  const telling = matches.filter(
    (m) => isWord(m) && (share(m) <= TELLING_SHARE || m.df <= RARE_DOCS) && !commonIn(wider, m),
  );
  const direct = shownTerms(
    telling.filter((m) => m.surface === m.term),
    SHOWN_TERMS,
  );
  const synonyms = telling.filter((m) => m.surface !== m.term).slice(0, SHOWN_SYNONYMS);
  const rare = (term: string) => {
    const m = matches.find((x) => x.term === term);
    return m !== undefined && (share(m) <= RARE_SHARE || m.df <= RARE_DOCS) && !commonIn(wider, m);
  };
  if (direct.length >= 2 || (direct.length === 1 && rare(direct[0]!)))
    return `关键词匹配：${direct.join('、')}`;
  if (synonyms.length > 0) {
    return `近义匹配：${synonyms.map((m) => `需求「${m.term}」↔「${m.surface}」`).join('，')}`;
  }
  const best = matches.find(isWord) ?? matches[0];
  return best ? `弱相关：仅共有常见词「${best.term}」` : undefined;
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
 * reasons whose kind holds for at most half of the list.
 */
export function distinctiveReasons(list: readonly Explained[]): string[][] {
  const counts = new Map<string, number>();
  for (const item of list) {
    for (const kind of new Set(item.structured.map((s) => s.kind)))
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const common = (kind: string) =>
    list.length >= MIN_LIST_FOR_SHARE && (counts.get(kind) ?? 0) > list.length / 2;
  return list.map((item) => [
    ...(item.text ? [item.text] : []),
    ...item.structured.filter((s) => !common(s.kind)).map((s) => s.reason),
  ]);
}
