/**
 * Term associations learned from the catalog itself (issue #13, item 3): which keywords the
 * listings that use a word are filed under. An enterprise writes 划痕 where a research team files
 * its achievement under 表面缺陷检测; when listings that say the one are often filed under the
 * other, the catalog has taught us the bridge, without anyone writing a synonym.
 *
 * The statistic is the normalised pointwise mutual information (NPMI, −1…1) of "the listing's text
 * holds word w" and "the listing is filed under keyword k", over every public listing (achievements
 * and needs): 1 when they always come together, 0 when independent. Only pairs seen together in
 * at least `minSupport` listings count (one listing proves nothing), and only the `perTerm`
 * strongest keywords of each word are kept. A word or keyword in more than `maxShare` of the
 * listings says nothing about a topic and takes no part.
 *
 * At query time (`associationTerms`) each query word lends its associated keywords to the query,
 * weighted by the word's own query weight times the association, the strongest expansion term at
 * `weight` of a query word; expansion terms only score, they never select candidates. The
 * parameters are fitted by scripts/bench/match-fit.ts like the ranking's (README.md).
 */
import type { LexicalTerm } from './lexical.js';
import { normalizeText, searchTokens } from './text.js';

export interface AssociationParams {
  /** listings holding both, at least */
  minSupport: number;
  /** a word or keyword in more than this share of the listings takes no part */
  maxShare: number;
  /** associated keywords kept per word, strongest first */
  perTerm: number;
  /** associations below this NPMI are dropped */
  minStrength: number;
}

export interface ExpansionParams {
  /** query weight of the strongest expansion term (0: no expansion) */
  weight: number;
  /** expansion terms added to a query, strongest first */
  terms: number;
}

export const ASSOCIATION_PARAMS: AssociationParams = {
  minSupport: 2,
  maxShare: 0.05,
  perTerm: 5,
  minStrength: 0.3,
};

/** Fitted by scripts/bench/match-fit.ts (README.md, "How the weights were fitted"). */
export const EXPANSION_PARAMS: ExpansionParams = { weight: 0, terms: 10 };

/**
 * Whether the shipped ranking uses the associations at all. While the fitted weight is 0 the
 * catalog changes schedule no rebuild (at 100,000 listings one costs minutes of segmentation) and
 * the match endpoints read none; `rebuildAssociations` and the job still work when run.
 */
export const ASSOCIATIONS_IN_USE = EXPANSION_PARAMS.weight > 0;

/** One learned association: the listings that say `term` are often filed under `associate`. */
export interface Association {
  term: string;
  associate: string;
  /** NPMI, minStrength…1 */
  strength: number;
  /** listings holding both */
  support: number;
}

/** The public text of a listing, as the associations read it. */
export interface AssociationSource {
  title: string;
  summary?: string | null;
  body?: string | null;
  keywords?: readonly string[] | null;
}

/** A listing's distinct words and keywords (sets, or arrays without repeats). */
export interface ListingUnits {
  words: Iterable<string>;
  keywords: Iterable<string>;
}

/** A listing's words (jieba words of two or more characters) and its keywords, normalised. */
export function listingUnits(doc: AssociationSource): { words: Set<string>; keywords: Set<string> } {
  const words = new Set<string>();
  for (const text of [doc.title, doc.summary ?? '', doc.body ?? '', ...(doc.keywords ?? [])]) {
    for (const t of searchTokens(text)) if (t.kind === 'word' && [...t.token].length >= 2) words.add(t.token);
  }
  const keywords = new Set<string>();
  for (const k of doc.keywords ?? []) {
    const whole = normalizeText(k);
    // a keyword the listing names in several words is matched as one lexeme only when it has no space
    if (whole !== '' && !whole.includes(' ') && [...whole].length >= 2) keywords.add(whole);
  }
  return { words, keywords };
}

/**
 * Learns the associations of a catalog from its listings' units (`listingUnits`), deterministic
 * for the same input whatever its order. Memory: one counter per (word, keyword) pair seen.
 */
export function learnAssociations(
  listings: Iterable<ListingUnits>,
  params: AssociationParams = ASSOCIATION_PARAMS,
): Association[] {
  const all: ListingUnits[] = [...listings];
  const n = all.length;
  if (n === 0) return [];
  const wordDf = new Map<string, number>();
  const keywordDf = new Map<string, number>();
  for (const { words, keywords } of all) {
    for (const w of words) wordDf.set(w, (wordDf.get(w) ?? 0) + 1);
    for (const k of keywords) keywordDf.set(k, (keywordDf.get(k) ?? 0) + 1);
  }
  const maxDf = Math.max(params.minSupport, params.maxShare * n);
  const together = new Map<string, Map<string, number>>();
  for (const { words, keywords } of all) {
    const ks = [...keywords].filter(
      (k) => keywordDf.get(k)! >= params.minSupport && keywordDf.get(k)! <= maxDf,
    );
    if (ks.length === 0) continue;
    for (const w of words) {
      const df = wordDf.get(w)!;
      if (df < params.minSupport || df > maxDf) continue;
      const row = together.get(w) ?? new Map<string, number>();
      together.set(w, row);
      for (const k of ks) if (k !== w) row.set(k, (row.get(k) ?? 0) + 1);
    }
  }
  const out: Association[] = [];
  for (const [term, row] of together) {
    const kept: Association[] = [];
    for (const [associate, support] of row) {
      if (support < params.minSupport) continue;
      const strength = npmi(support, wordDf.get(term)!, keywordDf.get(associate)!, n);
      if (strength >= params.minStrength) kept.push({ term, associate, strength, support });
    }
    kept.sort((a, b) => b.strength - a.strength || a.associate.localeCompare(b.associate));
    out.push(...kept.slice(0, params.perTerm));
  }
  return out.sort((a, b) => a.term.localeCompare(b.term) || b.strength - a.strength);
}

/** Normalised pointwise mutual information of two events seen together `both` times in `n`. */
function npmi(both: number, a: number, b: number, n: number): number {
  if (both >= n) return 1;
  const pmi = Math.log((both * n) / (a * b));
  return pmi / -Math.log(both / n);
}

/** Associations by word, for expansion. */
export class AssociationTable {
  readonly #byTerm = new Map<string, Association[]>();

  constructor(associations: Iterable<Association>) {
    for (const a of associations) {
      const list = this.#byTerm.get(a.term) ?? [];
      list.push(a);
      this.#byTerm.set(a.term, list);
    }
  }

  get size(): number {
    let n = 0;
    for (const list of this.#byTerm.values()) n += list.length;
    return n;
  }

  of(term: string): readonly Association[] {
    return this.#byTerm.get(term) ?? [];
  }
}

export const EMPTY_ASSOCIATIONS = new AssociationTable([]);

/**
 * Expansion terms for a query: the keywords its words are associated with, each weighing `weight`
 * times the sum over the query's words of (word weight × association strength), at most `weight`:
 * a weak association lends little. Keywords the query already holds are left out.
 */
export function associationTerms(
  query: readonly LexicalTerm[],
  table: AssociationTable,
  params: ExpansionParams = EXPANSION_PARAMS,
): LexicalTerm[] {
  if (params.weight <= 0 || params.terms <= 0 || table.size === 0) return [];
  const known = new Set(query.flatMap((t) => t.alternatives.flatMap((a) => a.lexemes)));
  const weights = new Map<string, { w: number; from: string }>();
  for (const t of query) {
    if (t.kind !== 'word') continue;
    for (const a of table.of(t.term)) {
      if (known.has(a.associate)) continue;
      const entry = weights.get(a.associate) ?? { w: 0, from: t.term };
      entry.w += t.weight * a.strength;
      weights.set(a.associate, entry);
    }
  }
  const ranked = [...weights]
    .sort((a, b) => b[1].w - a[1].w || a[0].localeCompare(b[0]))
    .slice(0, params.terms);
  return ranked.map(([associate, { w }]) => ({
    term: associate,
    // like feedback terms: they score, they never select candidates
    kind: 'bigram' as const,
    weight: params.weight * Math.min(1, w),
    alternatives: [{ lexemes: [associate], weight: 1, surface: associate }],
  }));
}
