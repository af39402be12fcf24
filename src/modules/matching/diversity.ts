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
import { bigramTokens, normalizeText } from './text.js';

const HAN = /\p{Script=Han}/u;
const SURROGATE = /[\ud800-\udfff]/;
/** Titles are short; a long one is compared on its first characters only (bounded work). */
const MAX_TITLE_CHARS = 200;

/** A word as a number above 2^32 (FNV-1a of its UTF-16 units): a bigram of two BMP characters is below. */
function wordCode(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193) >>> 0;
  return 2 ** 32 + h;
}

/**
 * The title's character bigrams (Han runs; a lone character as itself) and its other words
 * (`bigramTokens`), as sorted distinct numbers (two BMP characters side by side; any other token
 * hashed), so that two signatures compare by one merge.
 */
export function titleSignature(title: string): Float64Array {
  const codes = bigramTokens(normalizeText(title).slice(0, MAX_TITLE_CHARS)).map((t) =>
    t.length === 2 && HAN.test(t) && !SURROGATE.test(t)
      ? t.charCodeAt(0) * 65536 + t.charCodeAt(1)
      : wordCode(t),
  );
  const sorted = Float64Array.from(codes).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i]!;
  return sorted.slice(0, n);
}

/** Jaccard overlap of two signatures, 0–1. */
export function overlap(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
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
  // Lazily: a candidate's value is at most its score and the pool is in score order, so a step
  // stops reading at the first candidate whose score cannot beat the best value found; a
  // candidate's overlap is brought up to date (and its signature made) only when it is read. One
  // whose value has fallen to 0 stays there (overlaps only grow): it leaves the pool for the
  // repeats, which follow the distinct candidates in score order.
  type Entry = {
    item: T;
    at: number;
    score: number;
    sig: Float64Array | undefined;
    sim: number;
    seen: number;
  };
  const placed: Float64Array[] = [];
  const refresh = (p: Entry) => {
    p.sig ??= titleSignature(titleOf(p.item));
    for (; p.seen < placed.length; p.seen++) p.sim = Math.max(p.sim, overlap(p.sig, placed[p.seen]!));
  };
  let pool: Entry[] = items.map((item, at) => ({
    item,
    at,
    score: scoreOf(item),
    sig: undefined,
    sim: 0,
    seen: 0,
  }));
  const repeats: Entry[] = [];
  const out: Placed<T>[] = [];
  while (out.length < take && pool.length > 0) {
    let best = -1;
    let bestValue = 0;
    let exhausted = false;
    for (let i = 0; i < pool.length; i++) {
      const p = pool[i]!;
      if (p.score <= bestValue) break;
      refresh(p);
      const value = p.score * Math.max(0, 1 - weight * p.sim);
      if (value <= 0) exhausted = true;
      else if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    if (exhausted) {
      const keep: Entry[] = [];
      for (const p of pool) (p.seen > 0 && p.score * (1 - weight * p.sim) <= 0 ? repeats : keep).push(p);
      best = best < 0 ? -1 : keep.indexOf(pool[best]!);
      pool = keep;
    }
    if (best < 0) break;
    const [chosen] = pool.splice(best, 1);
    placed.push(chosen!.sig!);
    out.push({ item: chosen!.item, redundancy: chosen!.sim });
  }
  // the repeats, in score order, after every distinct candidate
  for (const p of [...repeats, ...pool].sort((a, b) => a.at - b.at)) {
    if (out.length >= take) break;
    refresh(p);
    placed.push(p.sig!);
    out.push({ item: p.item, redundancy: p.sim });
  }
  return out;
}
