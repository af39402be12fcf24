/**
 * The lexical ranker of matchmaking: BM25F over the four sections of a document (title, keywords,
 * summary, body), on both engines the same. Query and documents are cut the same way (text.ts:
 * jieba search-mode words plus every character bigram of the Han runs), so a need cut differently
 * from the achievement that answers it still meets it through the bigrams.
 *
 * Every token of the query counts, weighted by its rarity in the catalog (BM25's idf) and by how it
 * was found (a word weighs more than a bare bigram or a lone character); only stop words are
 * dropped, and there is no cap. A thesaurus synonym is a weighted alternative of the term it
 * expands: the term scores by its best alternative, the synonym's match discounted.
 *
 * The parameters are fitted by `scripts/bench/match-fit.ts` (coordinate ascent on the project
 * devset, cross-checked on the shared one); see README.md "Matching".
 */
import { generalHead } from './generic-words.js';
import type { Thesaurus } from './synonyms.js';
import { isNumber, queryTokens, searchTokens, type TokenKind } from './text.js';

export interface LexicalParams {
  /** BM25 term-frequency saturation */
  k1: number;
  /**
   * length normalisation by the whole document's length. Per-section normalisation (classic
   * BM25F) favours documents with more sections: a listing with a long body collects a fully
   * weighted hit from each section, and the judged sets showed it losing to plain BM25.
   */
  b: number;
  /** weight of one occurrence per section: title, keywords, summary, body */
  sectionWeights: readonly number[];
  /** query weight of a token seen only as a character bigram, and of a lone Han character (a word: 1) */
  bigramWeight: number;
  charWeight: number;
  /**
   * query weight of a number (digits, a decimal point, a per cent sign): a quantity the need
   * states — a budget, a head count, a rate — not a subject, and a listing holding the same digits
   * most often means another quantity; reasons never show one (text.ts `isNumber`)
   */
  numberWeight: number;
  /**
   * query weight of a word of common language (the head of general Chinese that reasons never show
   * as telling, generic-words.ts `generalHead`: 超过, 增加, 控制, 系统): rare in a technical catalog,
   * so its idf alone would count it as strong evidence
   */
  generalWeight: number;
  /**
   * credit for meeting a Han word of three or more characters as itself: its bigrams already
   * count, so this is the extra credit for the whole word (its synonyms, which its bigrams do not
   * meet, keep `synonymWeight`; Latin words have no bigrams and always weigh 1)
   */
  longWordWeight: number;
  /** weight of a match through a synonym, relative to the term itself */
  synonymWeight: number;
  /** extra occurrences credited to a token of the query's title (a need's title says what it is about) */
  titleBoost: number;
  /** a query term weighs occurrences^this (0: once is enough, 1: linear as in BM25) */
  queryTfExponent: number;
}

/** Fitted by scripts/bench/match-fit.ts on the project devset (README.md, "Matching"). */
export const LEXICAL_PARAMS: LexicalParams = {
  k1: 1.2,
  b: 1,
  sectionWeights: [3, 2, 1.5, 1],
  bigramWeight: 0.5,
  charWeight: 0.3,
  numberWeight: 0,
  generalWeight: 0,
  longWordWeight: 0.3,
  synonymWeight: 0.6,
  titleBoost: 1,
  queryTfExponent: 0,
};

export interface Alternative {
  /** lexemes that must all occur (a synonym jieba cuts into several words) */
  lexemes: string[];
  /** 1 for the term itself, the synonym weight otherwise: which alternative a match is shown as */
  weight: number;
  /**
   * what a match through this alternative scores, when it differs from `weight`: a long Han word
   * met as itself (`longWordWeight`, its bigrams carry the rest)
   */
  credit?: number;
  /** what is shown as having matched */
  surface: string;
}

export interface LexicalTerm {
  term: string;
  kind: TokenKind;
  /** query weight: by kind, and occurrences (damped by `queryTfExponent`) */
  weight: number;
  /** the term itself first, then its synonyms */
  alternatives: Alternative[];
}

/** Statistics of the documents of one type the candidates are drawn from. */
export interface CorpusStats {
  docs: number;
  df: ReadonlyMap<string, number>;
  /** average tokens per section (0 or absent: unknown, no length normalisation) */
  avgLengths: readonly number[];
}

/** A candidate's occurrences of the query's lexemes, per section, and its section lengths. */
export interface TermVector {
  tf: ReadonlyMap<string, readonly number[]>;
  lengths: readonly number[] | null;
}

export interface TermMatch {
  term: string;
  kind: TokenKind;
  /** the alternative that matched (the term itself or a synonym) */
  surface: string;
  contribution: number;
  /** documents containing the matched lexemes, of `docs` */
  df: number;
}

const HAN_WORD = /^\p{Script=Han}+$/u;

/** The weighted terms of a query text; `title` tokens get `titleBoost` extra occurrences. */
export function lexicalQuery(
  text: { title?: string; body?: string },
  thesaurus: Thesaurus,
  params: LexicalParams = LEXICAL_PARAMS,
): LexicalTerm[] {
  const counts = new Map<string, { kind: TokenKind; count: number }>();
  const add = (s: string, boost: number) => {
    for (const t of searchTokens(s)) {
      const entry = counts.get(t.token);
      const count = t.count * boost;
      if (!entry) counts.set(t.token, { kind: t.kind, count });
      else {
        entry.count += count;
        if (t.kind === 'word') entry.kind = 'word';
      }
    }
  };
  if (text.title) add(text.title, 1 + params.titleBoost);
  if (text.body) add(text.body, 1);
  const weighed = [...counts].flatMap(([term, { kind, count }]) => {
    const kindWeight = isNumber(term)
      ? params.numberWeight
      : kind === 'word'
        ? 1
        : kind === 'char'
          ? params.charWeight
          : params.bigramWeight;
    return kindWeight > 0 ? [{ term, kind, count, kindWeight }] : [];
  });
  // a word of common language (generic-words.ts generalHead: 超过, 增加, 控制) is rare in a technical
  // catalog, so its idf alone would make it telling: it weighs generalWeight beside a word that is
  // not common; a query of common words only is taken as it is (there is nothing else to go on)
  const head = params.generalWeight !== 1 ? generalHead() : undefined;
  const discount = head !== undefined && weighed.some((w) => w.kind === 'word' && !head.has(w.term));
  const terms: LexicalTerm[] = [];
  for (const { term, kind, count, kindWeight } of weighed) {
    const general = discount && head.has(term) ? params.generalWeight : 1;
    const weight = general * kindWeight * Math.max(1, count) ** params.queryTfExponent;
    if (weight <= 0) continue;
    // a long Han word still selects candidates and is shown as matched; it scores what its bigrams
    // do not already give (longWordWeight), its synonyms as any word's
    const long = kind === 'word' && [...term].length >= 3 && HAN_WORD.test(term);
    const self: Alternative = { lexemes: [term], weight: 1, surface: term };
    if (long && params.longWordWeight !== 1) self.credit = params.longWordWeight;
    terms.push({ term, kind, weight, alternatives: [self, ...synonymsOf(term, kind, thesaurus, params)] });
  }
  return terms;
}

function synonymsOf(
  term: string,
  kind: TokenKind,
  thesaurus: Thesaurus,
  params: LexicalParams,
): Alternative[] {
  if (kind !== 'word' || params.synonymWeight <= 0) return [];
  const out: Alternative[] = [];
  for (const equivalent of thesaurus.expand(term).slice(1)) {
    const lexemes = queryTokens(equivalent);
    if (lexemes.length === 0 || (lexemes.length === 1 && lexemes[0] === term)) continue;
    out.push({ lexemes, weight: params.synonymWeight, surface: equivalent });
  }
  return out;
}

/** Every lexeme a query may match (its terms and their synonyms). */
export function queryLexemes(terms: readonly LexicalTerm[]): string[] {
  return [...new Set(terms.flatMap((t) => t.alternatives.flatMap((a) => a.lexemes)))];
}

/** BM25 idf, never negative: log(1 + (N − df + 0.5) / (df + 0.5)). */
export function idf(df: number, docs: number): number {
  return Math.log(1 + (Math.max(0, docs - df) + 0.5) / (df + 0.5));
}

/** BM25F score of one candidate (section weights, one length normalisation), and what each query term contributed. */
export function lexicalScore(
  terms: readonly LexicalTerm[],
  stats: CorpusStats,
  doc: TermVector,
  params: LexicalParams = LEXICAL_PARAMS,
): { score: number; matches: TermMatch[] } {
  const avg = stats.avgLengths.reduce((sum, l) => sum + l, 0);
  const length = doc.lengths?.reduce((sum, l) => sum + l, 0);
  const norm = !avg || length === undefined ? 1 : Math.max(0.05, 1 - params.b + params.b * (length / avg));
  const pseudoTf = (lexeme: string) => {
    const tf = doc.tf.get(lexeme);
    if (!tf) return 0;
    let sum = 0;
    for (let i = 0; i < tf.length; i++) if (tf[i]) sum += (params.sectionWeights[i] ?? 0) * tf[i]!;
    return sum / norm;
  };
  let score = 0;
  const matches: TermMatch[] = [];
  const strengths: number[] = [];
  for (const term of terms) {
    let best = 0;
    let bestAlt: Alternative | undefined;
    let bestDf = 0;
    let bestCredit = 0;
    for (const alt of term.alternatives) {
      let tf = Number.POSITIVE_INFINITY;
      let df = 0;
      for (const lexeme of alt.lexemes) {
        tf = Math.min(tf, pseudoTf(lexeme));
        df = Math.max(df, stats.df.get(lexeme) ?? 0);
      }
      if (!(tf > 0)) continue;
      // an AND of lexemes is rarer than its most common one: credit it the idf of its rarest
      const rarest = Math.min(...alt.lexemes.map((l) => stats.df.get(l) ?? 0));
      const match = idf(rarest, stats.docs) * (tf / (params.k1 + tf));
      const value = alt.weight * match;
      if (value > best) {
        best = value;
        bestAlt = alt;
        bestDf = rarest || df;
        bestCredit = (alt.credit ?? alt.weight) * match;
      }
    }
    if (best > 0 && bestAlt) {
      const contribution = term.weight * bestCredit;
      score += contribution;
      matches.push({
        term: term.term,
        kind: term.kind,
        surface: bestAlt.surface,
        contribution,
        df: bestDf,
      });
      strengths.push(term.weight * best);
    }
  }
  // most telling first: by how strongly the term is met, whatever part of it its bigrams scored
  const order = matches.map((_, i) => i).sort((a, b) => strengths[b]! - strengths[a]!);
  return { score, matches: order.map((i) => matches[i]!) };
}

/**
 * The lexemes that select candidates: the query's words, rarest first, until together they would
 * select more than `budget` documents (at least one). Documents sharing only common words with the
 * query are not worth scoring; bigrams and single characters only score, they never select.
 */
export function selectionLexemes(
  terms: readonly LexicalTerm[],
  stats: CorpusStats,
  budget: number,
): string[] {
  const words = new Map<string, number>();
  for (const t of terms) {
    if (t.kind !== 'word') continue;
    for (const alt of t.alternatives) {
      for (const l of alt.lexemes) {
        const df = stats.df.get(l) ?? 0;
        if (df > 0) words.set(l, df);
      }
    }
  }
  const ranked = [...words].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const chosen: string[] = [];
  let selected = 0;
  for (const [lexeme, df] of ranked) {
    if (chosen.length > 0 && selected + df > budget) break;
    chosen.push(lexeme);
    selected += df;
  }
  return chosen;
}

/** Pseudo-relevance feedback: expansion from the best first-pass documents. */
export interface FeedbackParams {
  /** first-pass documents read (0: no feedback) */
  docs: number;
  /** expansion terms added */
  terms: number;
  /** query weight of the strongest expansion term (the others in proportion) */
  weight: number;
}

export const FEEDBACK_PARAMS: FeedbackParams = { docs: 5, terms: 20, weight: 0.3 };

const HAN_PAIR = /^\p{Script=Han}{2,}$/u;

/**
 * Expansion terms from the best first-pass documents (relevance model RM3): each lexeme of those
 * documents weighs the documents' share of the first-pass score times its share of the document,
 * times its rarity; lexemes already in the query, in only one of the documents, or in fewer than
 * two documents of the catalog are left out. The strongest gets `weight`, the others in proportion.
 */
export function feedbackTerms(
  query: readonly LexicalTerm[],
  top: readonly { vector: TermVector; score: number }[],
  stats: CorpusStats,
  params: FeedbackParams,
): LexicalTerm[] {
  if (params.docs <= 0 || params.terms <= 0 || params.weight <= 0 || top.length < 2) return [];
  const known = new Set(queryLexemes(query));
  const total = top.reduce((s, d) => s + d.score, 0);
  const weights = new Map<string, { w: number; docs: number }>();
  for (const { vector, score } of top) {
    const length = Math.max(1, vector.lengths?.reduce((s, l) => s + l, 0) ?? 0);
    for (const [lexeme, counts] of vector.tf) {
      if (known.has(lexeme) || !HAN_PAIR.test(lexeme)) continue;
      const tf = counts.reduce((s, c) => s + c, 0);
      const entry = weights.get(lexeme) ?? { w: 0, docs: 0 };
      entry.w += (score / total) * (tf / length);
      entry.docs++;
      weights.set(lexeme, entry);
    }
  }
  const ranked = [...weights]
    .filter(([l, e]) => e.docs >= 2 && (stats.df.get(l) ?? 0) >= 2)
    .map(([l, e]) => ({ l, w: e.w * idf(stats.df.get(l) ?? 0, stats.docs) }))
    .sort((a, b) => b.w - a.w || a.l.localeCompare(b.l))
    .slice(0, params.terms);
  const max = ranked[0]?.w ?? 0;
  return ranked.map(({ l, w }) => ({
    term: l,
    kind: 'bigram' as const,
    weight: (params.weight * w) / max,
    alternatives: [{ lexemes: [l], weight: 1, surface: l }],
  }));
}
