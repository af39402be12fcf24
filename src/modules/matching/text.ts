/**
 * Pure text layer of the matching engine: normalisation and jieba segmentation.
 *
 * The embedded engine stores the output of `segment` in a PostgreSQL `tsvector` built with the
 * 'simple' config (which does no stemming and no stop-word removal of its own), and turns
 * `queryTokens` into a tsquery. Everything language-specific therefore happens here.
 */
import { readFileSync } from 'node:fs';
import { Jieba } from '@node-rs/jieba';
// The package has no "exports" map, so Node's ESM resolver needs the explicit file extension.
import { dict } from '@node-rs/jieba/dict.js';

/** Domain dictionary (jieba format `word freq tag`, plus `#` comments that we strip ourselves). */
const USER_DICT_URL = new URL('./data/user-dict.txt', import.meta.url);

/**
 * Tokens dropped from both documents and queries. Deliberately small: with the 'simple' config a
 * stop word only costs index space, whereas a wrongly listed word silently becomes unsearchable.
 * Element symbols (in, as, be, at) and 'it' (信息技术) are intentionally NOT listed.
 */
// biome-ignore format: one long list reads better packed than one word per line
export const STOP_WORDS: ReadonlySet<string> = new Set([
  // function words
  '的', '了', '和', '与', '及', '等', '或', '或者', '并', '并且', '而', '且', '之', '于', '以', '由',
  '从', '向', '把', '被', '对', '为', '将', '在', '是', '有', '也', '都', '就', '如', '即', '可',
  '其', '该', '这', '那', '这些', '那些', '这种', '本', '中', '我们', '等等', '以及', '及其', '其中',
  // boilerplate of patents and 技术需求 forms, present in nearly every record
  '一种', '一个', '一些', '基于', '所述', '上述', '如下', '用于', '通过', '进行', '具有', '包括', '能够', '可以',
  // English
  'a', 'an', 'the', 'of', 'and', 'or', 'for', 'to', 'with', 'by', 'from', 'is', 'are', 'this', 'that',
]);

/**
 * Longer tokens are hashes, base64 blobs or URLs pasted into descriptions: useless for matching
 * and they bloat the index (PostgreSQL also rejects lexemes over 2 KB).
 */
const MAX_TOKEN_LENGTH = 64;

const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
// jieba keeps `+ # & . _ % -` inside Latin runs; '+' and '#' matter at the end (c++, c#), the rest is noise.
const LEADING_JUNK = /^[^\p{L}\p{N}]+/u;
const TRAILING_JUNK = /[^\p{L}\p{N}+#]+$/u;
// NFKC does not remove these; they come from copy-pasting out of Word/PDF files.
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060\uFEFF]/g;
const SPACE_OR_CONTROL = /[\s\p{Cc}]+/gu;

let segmenter: Jieba | undefined;
/** Sub-tokens per word: words repeat heavily across records, and each `cutAll` is a native call. */
const subTokenCache = new Map<string, readonly string[]>();
const SUB_TOKEN_CACHE_LIMIT = 50_000;

/** Builds the jieba instance on first use (~250 ms, ~5 MB dictionary) and reuses it afterwards. */
function getSegmenter(): Jieba {
  if (!segmenter) {
    const instance = Jieba.withDict(dict);
    instance.loadDict(Buffer.from(readUserDict(), 'utf8'));
    segmenter = instance;
  }
  return segmenter;
}

/** jieba-rs fails on comment lines, so strip them (and blank lines) before handing the file over. */
function readUserDict(): string {
  return readFileSync(USER_DICT_URL, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .join('\n');
}

/** Loads the dictionaries now, so that the first request does not pay for it. */
export function warmUpSegmenter(): void {
  getSegmenter();
}

/**
 * Canonical form used for indexing, querying and thesaurus terms:
 * NFKC (full-width ASCII and punctuation → half-width, ① → 1, ㎒ → MHz), lower case,
 * invisible characters removed, whitespace and control characters collapsed to one space.
 */
const NUMBER = /^[\d.%]+$/;

/**
 * A token of digits (a decimal point, a per cent sign): a quantity — a budget, a count, a rate —
 * that says nothing of what a listing is about. Reasons never show one as a matched word, and the
 * lexical ranker weighs it apart (`LexicalParams.numberWeight`).
 */
export function isNumber(token: string): boolean {
  return NUMBER.test(token);
}

export function normalizeText(s: string): string {
  // Invisible characters go first: removing them after NFKC could leave a letter next to a combining
  // mark that was never composed, and the function would no longer be idempotent.
  return s.replace(INVISIBLE, '').normalize('NFKC').toLowerCase().replace(SPACE_OR_CONTROL, ' ').trim();
}

const HAN_RUN_OR_WORD = /\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu;
const HAN_RUN_OR_ASCII_WORD = /\p{Script=Han}+|[a-z0-9]+/gu;

/**
 * A normalised text's Han runs as their character bigrams (a lone character as itself) and its
 * other words whole, in order; no dictionary, unlike `segment`. Titles are compared on them
 * (diversity.ts, words of any script); the shared judged set's BM25 baseline counts them with
 * ASCII words only, as its README defines it (scripts/bench/match-memory.ts).
 */
export function bigramTokens(normalised: string, words: 'any' | 'ascii' = 'any'): string[] {
  const out: string[] = [];
  for (const m of normalised.match(words === 'any' ? HAN_RUN_OR_WORD : HAN_RUN_OR_ASCII_WORD) ?? []) {
    const chars = [...m];
    if (!HAN.test(m) || chars.length === 1) out.push(m);
    else for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** Strips punctuation around a jieba token; returns '' for tokens that carry no letter or digit. */
function cleanToken(raw: string): string {
  if (!HAS_WORD_CHAR.test(raw)) return '';
  const token = raw.replace(LEADING_JUNK, '').replace(TRAILING_JUNK, '');
  return token.length > MAX_TOKEN_LENGTH ? '' : token;
}

/**
 * Extra index tokens for a Chinese word of 3+ characters, so that shorter query words match inside it
 * (Meilisearch only matches prefixes; this is where the embedded engine does better):
 * - every dictionary word inside it (`cutAll`): a superset of jieba's search mode, which only adds
 *   2- and 3-character dictionary words, so 复合材料 is also found inside 碳纤维复合材料;
 * - every 2-character window of its Han runs, which covers words the dictionary does not know
 *   (HMM-discovered words, jargon). Nonsense bigrams such as 子电 cost a little index space but are
 *   never produced by a real query.
 */
function subTokens(word: string): readonly string[] {
  const cached = subTokenCache.get(word);
  if (cached) return cached;
  const found = new Set<string>();
  for (const piece of getSegmenter().cutAll(word)) {
    const token = cleanToken(piece);
    if ([...token].length >= 2 && token !== word) found.add(token);
  }
  for (const run of word.match(HAN_RUN) ?? []) {
    const chars = [...run];
    for (let i = 0; i + 2 <= chars.length; i++) {
      const bigram = chars[i]! + chars[i + 1]!;
      if (bigram !== word) found.add(bigram);
    }
  }
  const result = [...found].filter((token) => !STOP_WORDS.has(token));
  if (subTokenCache.size >= SUB_TOKEN_CACHE_LIMIT) subTokenCache.clear();
  subTokenCache.set(word, result);
  return result;
}

/**
 * Tokens to index for a document: the precise-mode tokens in text order (duplicates kept, so
 * ts_rank still sees term frequency), each Chinese word of 3+ characters preceded by its sub-tokens
 * (see `subTokens`; the same layout jieba's own search mode uses). Latin and numeric tokens stay
 * whole ('agv', '5g', 'mos2', 'c++'). Punctuation, whitespace and stop words are dropped.
 *
 * Same jieba mode (precise, HMM on) as `queryTokens`, so a phrase typed as a query segments the
 * way it was segmented in the document.
 */
export function segment(s: string): string[] {
  const text = normalizeText(s);
  if (text === '') return [];
  const tokens: string[] = [];
  let previous = '';
  for (const raw of getSegmenter().cut(text, true)) {
    // the bigram across a word boundary, so a query cut differently still meets the document
    const bridge = boundaryBigram(previous, raw);
    if (bridge && !STOP_WORDS.has(bridge)) tokens.push(bridge);
    previous = raw;
    const token = cleanToken(raw);
    if (token === '') continue;
    if (HAN.test(token) && [...token].length >= 3) tokens.push(...subTokens(token));
    if (!STOP_WORDS.has(token)) tokens.push(token);
  }
  return tokens;
}

const HAN_CHAR = /^\p{Script=Han}$/u;

/** The two Han characters on either side of the boundary between two adjacent jieba pieces. */
function boundaryBigram(previous: string, next: string): string | undefined {
  const last = [...previous].at(-1);
  const first = [...next][0];
  return last && first && HAN_CHAR.test(last) && HAN_CHAR.test(first) ? last + first : undefined;
}

/**
 * The jieba pieces (precise mode, HMM on, as `segment` cuts) of a text already normalised, in
 * order, every character kept (punctuation and spaces are pieces of their own): the pieces joined
 * are the text.
 */
export function cutPieces(normalised: string): string[] {
  return normalised === '' ? [] : getSegmenter().cut(normalised, true);
}

/** How a query token was found: a jieba word (or a dictionary word inside one), a lone Han character, or only as a character bigram. */
export type TokenKind = 'word' | 'char' | 'bigram';

export interface QueryToken {
  token: string;
  kind: TokenKind;
  /** occurrences in the query */
  count: number;
}

/**
 * The query side of the lexical ranker: every token the document side indexes (jieba search mode:
 * the precise-mode words, the dictionary words inside longer ones, and every character bigram of
 * the Han runs, across word boundaries too), each with how it was found and how often. Nothing is
 * capped or dropped but stop words: rarity decides what a term weighs.
 */
export function searchTokens(s: string): QueryToken[] {
  const text = normalizeText(s);
  if (text === '') return [];
  const found = new Map<string, QueryToken>();
  const add = (token: string, kind: TokenKind) => {
    if (token === '' || STOP_WORDS.has(token)) return;
    const entry = found.get(token);
    if (!entry) found.set(token, { token, kind, count: 1 });
    else {
      entry.count++;
      if (KIND_RANK[kind] > KIND_RANK[entry.kind]) entry.kind = kind;
    }
  };
  let previous = '';
  for (const raw of getSegmenter().cut(text, true)) {
    const bridge = boundaryBigram(previous, raw);
    if (bridge) add(bridge, 'bigram');
    previous = raw;
    const token = cleanToken(raw);
    if (token === '') continue;
    const length = [...token].length;
    if (HAN.test(token) && length >= 3) {
      const words = new Set(dictionaryWordsIn(token));
      for (const sub of subTokens(token)) add(sub, words.has(sub) ? 'word' : 'bigram');
    }
    add(token, length === 1 && HAN.test(token) ? 'char' : 'word');
  }
  return [...found.values()];
}

const KIND_RANK: Record<TokenKind, number> = { bigram: 0, char: 1, word: 2 };

function dictionaryWordsIn(word: string): string[] {
  return getSegmenter()
    .cutAll(word)
    .map(cleanToken)
    .filter((t) => [...t].length >= 2);
}

/**
 * Tokens a search query is turned into: precise mode only (the infix expansion lives on the document
 * side), normalised, stop words removed, duplicates removed, in query order. Domain terms from the
 * user dictionary stay whole, so the thesaurus can be consulted per token.
 */
export function queryTokens(q: string): string[] {
  const text = normalizeText(q);
  if (text === '') return [];
  const tokens = new Set<string>();
  for (const raw of getSegmenter().cut(text, true)) {
    const token = cleanToken(raw);
    if (token !== '' && !STOP_WORDS.has(token)) tokens.add(token);
  }
  return [...tokens];
}
