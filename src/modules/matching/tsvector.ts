/**
 * tsvector and tsquery literals for the embedded engine, built from jieba tokens in TypeScript.
 * PostgreSQL's own parser splits Chinese badly (whole runs of Han characters become one word), so
 * the 'simple' config is bypassed entirely: lexemes go in as literals and are cast with ::tsvector
 * and ::tsquery, which apply no further normalisation.
 */
import type { SearchDocument } from './engine.js';
import type { Thesaurus } from './synonyms.js';
import { normalizeText, queryTokens, segment } from './text.js';

type Weight = 'A' | 'B' | 'C' | 'D';
/** The sections of a document, in the order of `DocumentFields`, and their tsvector weight. */
export const FIELD_WEIGHTS: readonly Weight[] = ['A', 'B', 'C', 'D'];

/** PostgreSQL keeps at most 256 positions per lexeme and positions up to 16383. */
const MAX_POSITIONS = 255;
const MAX_POSITION = 16_383;
/** Gap between sections, so ts_rank_cd does not see the title's last word next to the body's first. */
const SECTION_GAP = 50;

/** Quotes a lexeme for tsvector/tsquery input: backslash and quote are the only specials inside '…'. */
export function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Tokens of a document's sections: title, keywords, summary, body (the BM25F fields). */
export type DocumentFields = [title: string[], keywords: string[], summary: string[], body: string[]];

/**
 * The tokens of each section of a document (text.ts `segment`). Keywords are also indexed whole
 * (线阵CCD), as operators and owners type them as one term.
 */
export function documentFields(
  doc: Pick<SearchDocument, 'title' | 'keywords' | 'summary' | 'body'>,
): DocumentFields {
  const keywords: string[] = [];
  for (const keyword of doc.keywords ?? []) {
    const whole = normalizeText(keyword);
    const tokens = segment(keyword);
    if (whole !== '' && !whole.includes(' ') && !tokens.includes(whole)) keywords.push(whole);
    keywords.push(...tokens);
  }
  return [segment(doc.title), keywords, segment(doc.summary ?? ''), segment(doc.body ?? '')];
}

/**
 * The tsvector literal of a document: title tokens weighted A, keywords B, summary C, body D;
 * and the number of tokens of each section (for BM25F length normalisation).
 */
export function documentTsvector(doc: SearchDocument): { tsv: string; lengths: number[] } {
  const positions = new Map<string, string[]>();
  let position = 0;
  const fields = documentFields(doc);
  fields.forEach((tokens, i) => {
    const weight = FIELD_WEIGHTS[i]!;
    for (const token of tokens) {
      position = Math.min(position + 1, MAX_POSITION);
      const list = positions.get(token);
      if (!list) positions.set(token, [`${position}${weight}`]);
      else if (list.length < MAX_POSITIONS) list.push(`${position}${weight}`);
    }
    position += SECTION_GAP;
  });
  // An empty tsvector is valid: a document with an unsegmentable title is still filterable.
  const tsv = [...positions].map(([lexeme, list]) => `${quoteLexeme(lexeme)}:${list.join(',')}`).join(' ');
  return { tsv, lengths: fields.map((f) => f.length) };
}

/** One query term with the tsquery that matches it or any of its synonyms. */
export interface TermQuery {
  /** the term as typed (normalised) */
  term: string;
  /** equivalents that may appear in titles, for highlighting */
  surfaces: string[];
  /** tsquery text: an OR over the term's equivalents */
  tsquery: string;
  /** lexemes involved, for frequency estimates */
  lexemes: string[];
  /** sets of lexemes, any one of which (all its lexemes present) matches the term */
  alternatives: string[][];
}

/**
 * A query equivalent as tsquery: one lexeme, or (the whole form OR an AND of the tokens jieba splits
 * it into). `alternatives` lists the same as lexeme sets, any one of which makes a match.
 */
type Equivalent = { text: string; alternatives: string[][] } | undefined;
/** Equivalents recur in every query that mentions their group: segment each once. */
const equivalentCache = new Map<string, Equivalent>();
const EQUIVALENT_CACHE_LIMIT = 20_000;

function equivalentQuery(equivalent: string): Equivalent {
  const cached = equivalentCache.get(equivalent);
  if (cached || equivalentCache.has(equivalent)) return cached;
  if (equivalentCache.size >= EQUIVALENT_CACHE_LIMIT) equivalentCache.clear();
  const built = buildEquivalent(equivalent);
  equivalentCache.set(equivalent, built);
  return built;
}

function buildEquivalent(equivalent: string): Equivalent {
  const tokens = queryTokens(equivalent);
  if (tokens.length === 0) return undefined;
  const whole = normalizeText(equivalent);
  const and = tokens.map(quoteLexeme).join(' & ');
  if (tokens.length === 1) return { text: and, alternatives: [tokens] };
  // The whole form is an alternative too: keywords are indexed whole even when jieba splits them.
  if (whole.includes(' ')) return { text: `(${and})`, alternatives: [tokens] };
  return { text: `(${quoteLexeme(whole)} | (${and}))`, alternatives: [[whole], tokens] };
}

/** Query terms with their synonym expansions (an OR over each token's equivalents). */
export function termQueries(terms: readonly string[], thesaurus: Thesaurus): TermQuery[] {
  const out: TermQuery[] = [];
  const seen = new Set<string>();
  for (const term of joinPhrases(terms, thesaurus)) {
    const normalised = normalizeText(term);
    if (normalised === '' || seen.has(normalised)) continue;
    seen.add(normalised);
    const parts: string[] = [];
    const lexemes = new Set<string>();
    const alternatives: string[][] = [];
    const surfaces = thesaurus.expand(normalised);
    for (const equivalent of surfaces) {
      const q = equivalentQuery(equivalent);
      if (!q || parts.includes(q.text)) continue;
      parts.push(q.text);
      alternatives.push(...q.alternatives);
      for (const lexeme of q.alternatives.flat()) lexemes.add(lexeme);
    }
    if (parts.length === 0) continue;
    out.push({
      term: normalised,
      surfaces,
      tsquery: parts.length === 1 ? parts[0]! : `(${parts.join(' | ')})`,
      lexemes: [...lexemes],
      alternatives,
    });
  }
  return out;
}

/** Longest run of adjacent tokens (up to this many) looked up as one thesaurus term. */
const MAX_PHRASE_TOKENS = 4;

/**
 * Re-joins adjacent tokens that form a thesaurus term jieba does not know as one word (光储一体 is
 * cut into 光储 + 一体), so the term's synonyms apply; greedy, longest first.
 */
function joinPhrases(tokens: readonly string[], thesaurus: Thesaurus): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    let taken = 1;
    for (let n = Math.min(MAX_PHRASE_TOKENS, tokens.length - i); n >= 2; n--) {
      const parts = tokens.slice(i, i + n);
      const phrase = [parts.join(''), parts.join(' ')].find((p) => thesaurus.expand(p).length > 1);
      if (phrase) {
        out.push(phrase);
        taken = n;
        break;
      }
    }
    if (taken === 1) out.push(tokens[i]!);
    i += taken;
  }
  return out;
}

/** The terms a document matches, given the query's lexemes it contains. */
export function matchedTerms(terms: readonly TermQuery[], present: ReadonlySet<string>): string[] {
  return terms
    .filter((t) => t.alternatives.some((alt) => alt.every((l) => present.has(l))))
    .map((t) => t.term);
}

export function combine(terms: readonly TermQuery[], operator: '&' | '|'): string {
  return terms.map((t) => t.tsquery).join(` ${operator} `);
}

const HAN_RUN = /\p{Script=Han}{3,}/gu;

/**
 * Fuzzy fallback for Chinese: the 2-character windows of the query's longer Han words, which the
 * document side indexes too (text.ts), so a word with one wrong character still finds its
 * neighbours. pg_trgm cannot do this: under the C locale it ignores non-ASCII characters.
 */
export function bigramQuery(q: string): string | undefined {
  const grams = new Set<string>();
  for (const run of normalizeText(q).match(HAN_RUN) ?? []) {
    const chars = [...run];
    for (let i = 0; i + 2 <= chars.length; i++) grams.add(chars[i]! + chars[i + 1]!);
  }
  return grams.size === 0 ? undefined : [...grams].map(quoteLexeme).join(' | ');
}

/**
 * Whether a document holds every word of a query (or one of its synonyms), judged in-process with
 * the embedded engine's rule for `match: 'all'`: the query's terms and synonym alternatives
 * against the document's own tokens (jieba search-mode words, so a word inside a longer one
 * counts). An empty query holds for every document. Used to judge one listing version against
 * saved searches without the index (which may already hold a newer version).
 */
export function documentHoldsAll(
  doc: Pick<SearchDocument, 'title' | 'keywords' | 'summary' | 'body'>,
  q: string,
  thesaurus: Thesaurus,
): boolean {
  const terms = termQueries(queryTokens(q), thesaurus);
  if (terms.length === 0) return true;
  const present = new Set(documentFields(doc).flat());
  return matchedTerms(terms, present).length === terms.length;
}
