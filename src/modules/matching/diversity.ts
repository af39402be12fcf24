/**
 * Near-duplicates in a match list. A catalog often holds several listings that say nearly the same
 * thing (one team's device, method and system; the same technology for three industries): a list
 * that shows them one after another pushes every other answer to the need down. So the list is
 * built greedily, maximal-marginal-relevance style: each next place goes to the candidate with
 * the best score × max(0, 1 − weight × similarity), the similarity being the largest overlap (Jaccard of
 * the titles' character bigrams) with a candidate already placed. A listing unlike everything
 * above keeps its score; one overlapping by 1/weight or more waits for every distinct candidate
 * (the repeats then follow in score order). The weight is fitted like the other ranking parameters (scripts/bench/match-fit.ts).
 *
 * The order is the same whatever the number taken (each place is chosen from the same pool), so
 * pages of one list never disagree.
 */
import { normalizeText } from './text.js';

const HAN_RUN_OR_WORD = /\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu;
const HAN = /\p{Script=Han}/u;
/** Titles are short; a long one is compared on its first characters only (bounded work). */
const MAX_TITLE_CHARS = 200;

/** The title's character bigrams (Han runs; a lone character as itself) and its other words. */
export function titleSignature(title: string): Set<string> {
  const out = new Set<string>();
  for (const m of normalizeText(title).slice(0, MAX_TITLE_CHARS).match(HAN_RUN_OR_WORD) ?? []) {
    const chars = [...m];
    if (!HAN.test(m) || chars.length === 1) out.add(m);
    else for (let i = 0; i + 2 <= chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** Jaccard overlap of two signatures, 0–1. */
export function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const x of small) if (large.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

export interface Placed<T> {
  item: T;
  /** the largest title overlap with a candidate placed above it, 0–1 */
  redundancy: number;
}

/**
 * The first `take` of `items` in diversified order. `items` must come best first by `scoreOf`
 * (ties already broken), so that with weight 0 the order is theirs.
 */
export function diversify<T>(
  items: readonly T[],
  scoreOf: (item: T) => number,
  titleOf: (item: T) => string,
  weight: number,
  take: number,
): Placed<T>[] {
  if (weight <= 0) return items.slice(0, take).map((item) => ({ item, redundancy: 0 }));
  const pool = items.map((item) => ({
    item,
    score: scoreOf(item),
    sig: titleSignature(titleOf(item)),
    sim: 0,
  }));
  const out: Placed<T>[] = [];
  while (out.length < take && pool.length > 0) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < pool.length; i++) {
      // past 1/weight of overlap a repeat waits for every distinct candidate, in score order
      const value = pool[i]!.score * Math.max(0, 1 - weight * pool[i]!.sim);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    const [chosen] = pool.splice(best, 1);
    out.push({ item: chosen!.item, redundancy: chosen!.sim });
    for (const p of pool) p.sim = Math.max(p.sim, overlap(p.sig, chosen!.sig));
  }
  return out;
}
