/**
 * Which words are too generic to be shown as the reason of a match (issue 13 item 4), from two
 * references that no judged set has a say in:
 *
 * - general Chinese: the word frequencies of jieba's own dictionary (the `dict.txt` bundled with
 *   @node-rs/jieba, counted over its reference corpus). The most frequent words that together make
 *   up half of all word occurrences there (the head of the Zipf curve: 839 entries, 技术, 服务, 科技,
 *   系统, 控制…) are common language, whatever catalog they appear in;
 * - all the exchange's public text: achievements, needs, experts, institutions and offerings
 *   together. A word in more than 5 % of them (a form's boilerplate, 技术成熟度 or 转让) is common
 *   here even when one small directory holds it in two entries.
 */
import { dict } from '@node-rs/jieba/dict.js';
import { DOCUMENT_TYPES, type SearchEngine } from './engine.js';
import type { CorpusStats } from './lexical.js';

/** Share of general Chinese running text covered by the words counted as common language. */
export const GENERAL_HEAD_COVERAGE = 0.5;

let head: ReadonlySet<string> | undefined;

/**
 * The words of the general-language head: sorted by their dictionary frequency, most frequent
 * first, taken until they cover GENERAL_HEAD_COVERAGE of the frequency total. Built on first use
 * (0.4 s at load 12 for the 5 MB dictionary).
 */
export function generalHead(): ReadonlySet<string> {
  if (!head) head = headOf(Buffer.from(dict).toString('utf8'), GENERAL_HEAD_COVERAGE);
  return head;
}

/** The head of a jieba-format dictionary (`word freq [tag]` per line) covering `coverage` of it. */
export function headOf(text: string, coverage: number): ReadonlySet<string> {
  const words: string[] = [];
  const freqs: number[] = [];
  let total = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    start = end < 0 ? text.length : end + 1;
    const space = line.indexOf(' ');
    const freq = space > 0 ? Number.parseInt(line.slice(space + 1), 10) : 0;
    if (!(freq > 0)) continue;
    words.push(line.slice(0, space));
    freqs.push(freq);
    total += freq;
  }
  // a head word is more frequent than (1 - coverage) x the mean: when it is reached, the words not
  // yet taken (each no more frequent) still cover more than 1 - coverage of the total
  const order = freqs.map((_, i) => i).filter((i) => freqs[i]! * words.length >= total * (1 - coverage));
  order.sort((a, b) => freqs[b]! - freqs[a]! || (words[a]! < words[b]! ? -1 : 1));
  const head = new Set<string>();
  let covered = 0;
  for (const i of order) {
    if (covered >= coverage * total) break;
    head.add(words[i]!.toLowerCase());
    covered += freqs[i]!;
  }
  return head;
}

/**
 * Document frequencies of `lexemes` over all public text (every document type summed), the
 * reference for "common in this exchange". Both engines cache document frequencies for a minute.
 */
export async function publicTextStats(engine: SearchEngine, lexemes: string[]): Promise<CorpusStats> {
  const unique = [...new Set(lexemes)];
  const perType = await Promise.all(DOCUMENT_TYPES.map((type) => engine.corpusStats(type, unique)));
  const df = new Map<string, number>();
  let docs = 0;
  for (const stats of perType) {
    docs += stats.docs;
    for (const l of unique) df.set(l, (df.get(l) ?? 0) + (stats.df.get(l) ?? 0));
  }
  return { docs, df, avgLengths: [] };
}
