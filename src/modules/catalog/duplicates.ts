import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import type { ListingKind } from './model.js';
import { catalogListings } from './schema.js';
import type { DuplicateWarning } from './views.js';

/** pg_trgm similarity at or above which two titles of one organisation count as the same. */
export const TITLE_SIMILARITY = 0.8;

/** At most this many duplicate warnings per item, the most telling first; `duplicateCount` has the total. */
export const MAX_WARNINGS = 5;

export interface DuplicateProbe {
  title: string;
  patentNumbers: string[];
  /** The listing itself when it is being updated (never its own duplicate). */
  selfId?: string;
}

/** The few most telling probable duplicates of one item, and how many there are in all. */
export interface Duplicates {
  warnings: DuplicateWarning[];
  /** Distinct listings found (each may share a patent, a near-identical title or both). */
  count: number;
}

/**
 * Probable duplicates, as warnings (never refusals): the same patent number on any listing of
 * any organisation, or a near-identical title (trigram similarity ≥ 0.8) within the
 * organisation. Two queries for a whole batch, whatever its size; the titles are compared
 * through an inverted index (see similarTitles). Each item keeps its MAX_WARNINGS most telling
 * warnings (shared patents, then the most similar titles) and the count of all, so a batch of
 * titles that differ only by a serial answers in bounded size.
 */
export async function findDuplicates(
  tx: DbOrTx,
  kind: ListingKind,
  organisationId: string,
  probes: DuplicateProbe[],
): Promise<Duplicates[]> {
  const found: Map<string, DuplicateWarning>[] = probes.map(() => new Map());
  if (!probes.length) return [];
  const patents = [...new Set(probes.flatMap((p) => p.patentNumbers))];
  if (patents.length) {
    const res = await tx.execute<{ id: string; title: string; patent_numbers: string[] }>(sql`
      SELECT id, title, patent_numbers FROM ${catalogListings}
      WHERE patent_numbers && ${toArray(patents)}::text[] AND merged_into IS NULL`);
    const byPatent = new Map<string, { id: string; title: string }[]>();
    for (const row of res.rows)
      for (const n of row.patent_numbers) {
        const list = byPatent.get(n);
        if (list) list.push(row);
        else byPatent.set(n, [row]);
      }
    probes.forEach((p, k) => {
      for (const n of p.patentNumbers)
        for (const row of byPatent.get(n) ?? []) {
          if (row.id === p.selfId || found[k]!.has(row.id)) continue;
          found[k]!.set(row.id, {
            code: 'duplicate-patent',
            listingId: row.id,
            title: row.title,
            patentNumber: n,
          });
        }
    });
  }
  const existing = await tx.execute<{ id: string; title: string; title_key: string }>(sql`
    SELECT id, title, title_key FROM ${catalogListings}
    WHERE organisation_id = ${organisationId} AND kind = ${kind} AND merged_into IS NULL AND title_key <> ''`);
  const rows = existing.rows;
  const keys = probes.map((p) => titleKey(p.title));
  const indexOf = new Map(probes.some((p) => p.selfId) ? rows.map((r, i) => [r.id, i]) : []);
  const titles = similarTitles(
    keys,
    rows.map((r) => r.title_key),
    { exclude: probes.map((p) => (p.selfId ? indexOf.get(p.selfId) : undefined)) },
  );
  const keyOf = new Map(rows.map((r) => [r.id, r.title_key]));
  return probes.map((_, k) => {
    const byPatent = found[k]!;
    // Listings sharing a patent that are not also among the similar titles add to the count.
    let count = titles[k]!.count;
    for (const id of byPatent.keys()) {
      const other = keyOf.get(id);
      if (!(other !== undefined && keySimilarity(keys[k]!, other) >= TITLE_SIMILARITY - 1e-9)) count++;
    }
    const similar: DuplicateWarning[] = titles[k]!.best.flatMap((m) => {
      const row = rows[m.existing]!;
      return byPatent.has(row.id)
        ? []
        : [
            {
              code: 'similar-title',
              listingId: row.id,
              title: row.title,
              similarity: Math.round(m.similarity * 100) / 100,
            },
          ];
    });
    return { warnings: [...byPatent.values(), ...similar].slice(0, MAX_WARNINGS), count };
  });
}
/**
 * pg_trgm only sees letters and digits of the database locale; under the C locale (embedded
 * PostgreSQL) Chinese characters produce no trigrams at all. So titles are compared through a
 * key: normalised (NFKC, lower case, no spaces or punctuation), each character written as three
 * base-36 symbols. A trigram then stands for one character or a pair of neighbours, and one
 * character changed in a 20-character title keeps the similarity near 0.85.
 */
export function titleKey(title: string): string {
  const norm = title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
  let key = '';
  for (const ch of norm) key += (ch.codePointAt(0)! % 46_656).toString(36).padStart(3, '0');
  return key;
}

/** Key symbols as small numbers: the padding space 0, digits 1–10, letters 11–36. */
function symbol(c: number): number {
  return c >= 48 && c <= 57 ? c - 47 : c >= 97 && c <= 122 ? c - 86 : 0;
}
const GRAMS = 37 ** 3;
const stamp = new Int32Array(GRAMS);
let stampNo = 0;

/**
 * pg_trgm's trigrams of a one-word key (padded with two spaces in front and one behind), each
 * distinct trigram once, as numbers below 37³.
 */
function trigrams(key: string): Int32Array {
  const n = key.length;
  const out = new Int32Array(n + 1);
  let a = 0;
  let b = 0;
  let len = 0;
  if (++stampNo === 0x7fffffff) {
    stamp.fill(0);
    stampNo = 1;
  }
  for (let i = 0; i <= n; i++) {
    const c = i < n ? symbol(key.charCodeAt(i)) : 0;
    const g = a * 1369 + b * 37 + c;
    if (stamp[g] !== stampNo) {
      stamp[g] = stampNo;
      out[len++] = g;
    }
    a = b;
    b = c;
  }
  return out.subarray(0, len);
}

/** Trigram similarity of two keys, as pg_trgm's similarity(). */
export function keySimilarity(x: string, y: string): number {
  const a = new Set(trigrams(x));
  const b = trigrams(y);
  let shared = 0;
  for (const g of b) if (a.has(g)) shared++;
  return a.size + b.length ? shared / (a.size + b.length - shared) : 0;
}

/** FNV-1a over a sorted trigram set: equal sets, equal prints (collisions checked by sameGrams). */
function fingerprint(grams: Int32Array): number {
  let h = 0x811c9dc5;
  for (const g of grams) h = Math.imul(h ^ g, 16_777_619);
  return h;
}
function sameGrams(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface TitleMatches {
  /** Existing titles at or above the threshold (minus the excluded one). */
  count: number;
  /** The `keep` most similar: index into `existing` and similarity, most similar first. */
  best: { existing: number; similarity: number }[];
}

/**
 * For each probe, the existing keys whose trigram similarity (Jaccard, exactly as pg_trgm's
 * similarity() of the one-word keys) reaches the threshold: how many, and the `keep` most
 * similar. Found through an inverted index with prefix filtering on both sides (ppjoin):
 * trigrams are ordered rarest first over the existing keys; each existing key is indexed under
 * its s − ⌈t·s⌉ + 1 rarest trigrams only, and a probe looks up its own p − ⌈t·p⌉ + 1 rarest.
 * Two sets with Jaccard ≥ t must share a trigram within those prefixes, so candidates are few
 * for ordinary titles, and each candidate is counted on flat integer arrays (a length filter,
 * t·p ≤ s ≤ p/t, drops some first).
 *
 * Keys with the same trigram set are indexed and counted once, as a group, and so are probes:
 * titles that differ only by a serial are the worst case (each matches a large share of the
 * others), and there the trigrams of a number say little more than which digits it has, so
 * 10,000 serials make under 2,000 distinct sets.
 */
export function similarTitles(
  probes: string[],
  existing: string[],
  opts: {
    t?: number;
    keep?: number /** Per probe, an existing key never its match (itself). */;
    exclude?: (number | undefined)[];
  } = {},
): TitleMatches[] {
  const t = opts.t ?? TITLE_SIMILARITY;
  const keep = opts.keep ?? MAX_WARNINGS;
  const groupsByPrint = new Map<number, number[]>();
  const groups: { grams: Int32Array; members: number[] }[] = [];
  existing.forEach((key, r) => {
    const grams = trigrams(key).sort();
    const print = fingerprint(grams);
    const same = groupsByPrint.get(print);
    const g = same?.find((gi) => sameGrams(groups[gi]!.grams, grams));
    if (g !== undefined) groups[g]!.members.push(r);
    else {
      if (same) same.push(groups.length);
      else groupsByPrint.set(print, [groups.length]);
      groups.push({ grams, members: [r] });
    }
  });
  const df = new Int32Array(GRAMS);
  for (const group of groups) for (const g of group.grams) df[g]! += group.members.length;
  // The global order, as ranks from 1: rarer first, then by trigram. Rank 0: no existing key has it.
  const seenGrams: number[] = [];
  for (let g = 0; g < GRAMS; g++) if (df[g]) seenGrams.push(g);
  seenGrams.sort((a, b) => df[a]! - df[b]! || a - b);
  const rank = new Int32Array(GRAMS);
  seenGrams.forEach((g, i) => {
    rank[g] = i + 1;
  });
  const postings: number[][] = Array.from({ length: seenGrams.length + 1 }, () => []);
  const ranked = groups.map((group, gi) => {
    const ranks = group.grams.map((g) => rank[g]!).sort();
    const prefix = ranks.length - Math.ceil(t * ranks.length - 1e-9) + 1;
    for (let i = 0; i < prefix && i < ranks.length; i++) postings[ranks[i]!]!.push(gi);
    return ranks;
  });
  const inProbe = new Uint8Array(seenGrams.length + 1);
  const seen = new Uint8Array(groups.length);

  /** The groups a probe's trigram set matches, most similar first. */
  const matchGroups = (grams: Int32Array): { group: number; similarity: number }[] => {
    const p = grams.length;
    const known = grams
      .map((g) => rank[g]!)
      .filter((x) => x > 0)
      .sort();
    // Trigrams no existing key has come first in the order: they use up prefix places.
    const prefix = p - Math.ceil(t * p - 1e-9) + 1 - (p - known.length);
    const candidates: number[] = [];
    for (let i = 0; i < prefix && i < known.length; i++)
      for (const gi of postings[known[i]!]!) {
        if (seen[gi]) continue;
        seen[gi] = 1;
        candidates.push(gi);
      }
    for (const x of known) inProbe[x] = 1;
    const minSize = t * p - 1e-9;
    const maxSize = p / t + 1e-9;
    const out: { group: number; similarity: number }[] = [];
    for (const gi of candidates) {
      seen[gi] = 0;
      const set = ranked[gi]!;
      const s = set.length;
      if (s < minSize || s > maxSize) continue;
      let shared = 0;
      for (let i = 0; i < s; i++) shared += inProbe[set[i]!]!;
      const similarity = shared / (p + s - shared);
      if (similarity >= t - 1e-9) out.push({ group: gi, similarity });
    }
    for (const x of known) inProbe[x] = 0;
    return out.sort((a, b) => b.similarity - a.similarity || a.group - b.group);
  };

  const byProbeSet = new Map<
    number,
    { grams: Int32Array; matched: { group: number; similarity: number }[] }[]
  >();
  return probes.map((key, k) => {
    const found: TitleMatches = { count: 0, best: [] };
    if (!key || !groups.length) return found;
    const grams = trigrams(key).sort();
    const print = fingerprint(grams);
    const same = byProbeSet.get(print) ?? [];
    let matched = same.find((m) => sameGrams(m.grams, grams))?.matched;
    if (!matched) {
      matched = matchGroups(grams);
      same.push({ grams, matched });
      byProbeSet.set(print, same);
    }
    const skip = opts.exclude?.[k];
    for (const { group, similarity } of matched) {
      const members = groups[group]!.members;
      found.count += members.length;
      for (const r of members) {
        if (r === skip) found.count--;
        else if (found.best.length < keep) found.best.push({ existing: r, similarity });
        else if (skip === undefined) break;
      }
    }
    return found;
  });
}

/** A PostgreSQL array literal for a text[] parameter (values are bound, never interpolated). */
export function toArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
