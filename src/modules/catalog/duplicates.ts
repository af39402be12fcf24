import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import type { ListingKind } from './model.js';
import { catalogListings } from './schema.js';
import type { DuplicateWarning } from './views.js';

/** pg_trgm similarity at or above which two titles of one organisation count as the same. */
export const TITLE_SIMILARITY = 0.8;

export interface DuplicateProbe {
  title: string;
  patentNumbers: string[];
  /** The listing itself when it is being updated (never its own duplicate). */
  selfId?: string;
}

/**
 * Probable duplicates, as warnings (never refusals): the same patent number on any listing of
 * any organisation, or a near-identical title (trigram similarity ≥ 0.8) within the
 * organisation. Two queries for a whole batch; the title match uses the trigram GIN index.
 */
export async function findDuplicates(
  tx: DbOrTx,
  kind: ListingKind,
  organisationId: string,
  probes: DuplicateProbe[],
): Promise<DuplicateWarning[][]> {
  const out: DuplicateWarning[][] = probes.map(() => []);
  if (!probes.length) return out;
  const patents = [...new Set(probes.flatMap((p) => p.patentNumbers))];
  if (patents.length) {
    const res = await tx.execute<{ id: string; title: string; patent_numbers: string[] }>(sql`
      SELECT id, title, patent_numbers FROM ${catalogListings}
      WHERE patent_numbers && ${toArray(patents)}::text[] AND merged_into IS NULL`);
    probes.forEach((p, k) => {
      for (const row of res.rows) {
        if (row.id === p.selfId) continue;
        const shared = p.patentNumbers.find((n) => row.patent_numbers.includes(n));
        if (shared)
          out[k]!.push({
            code: 'duplicate-patent',
            listingId: row.id,
            title: row.title,
            patentNumber: shared,
          });
      }
    });
  }
  // Candidates by a prefix filter over the organisation's title keys (see similarTitles), then
  // confirmed by pg_trgm's own similarity().
  const existing = await tx.execute<{ id: string; title: string; title_key: string }>(sql`
    SELECT id, title, title_key FROM ${catalogListings}
    WHERE organisation_id = ${organisationId} AND kind = ${kind} AND merged_into IS NULL AND title_key <> ''`);
  const keys = probes.map((p) => titleKey(p.title));
  const pairs = similarTitles(
    keys,
    existing.rows.map((r) => r.title_key),
  ).filter(([k, r]) => existing.rows[r]!.id !== probes[k]!.selfId);
  if (!pairs.length) return out;
  const confirmed = await tx.execute<{ n: number; sim: number }>(sql`
    SELECT n::int AS n, similarity(a, b)::float8 AS sim
    FROM unnest(${toArray(pairs.map(([k]) => keys[k]!))}::text[],
                ${toArray(pairs.map(([, r]) => existing.rows[r]!.title_key))}::text[]) WITH ORDINALITY AS p(a, b, n)`);
  for (const c of confirmed.rows) {
    if (Number(c.sim) < TITLE_SIMILARITY) continue;
    const [k, r] = pairs[Number(c.n) - 1]!;
    const row = existing.rows[r]!;
    out[k]!.push({
      code: 'similar-title',
      listingId: row.id,
      title: row.title,
      similarity: Math.round(Number(c.sim) * 100) / 100,
    });
  }
  return out;
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

/** pg_trgm's trigrams of a one-word key: padded with two spaces in front and one behind. */
function trigrams(key: string): string[] {
  const padded = `  ${key} `;
  const set = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) set.add(padded.slice(i, i + 3));
  return [...set];
}

/**
 * Pairs (probe, existing) whose trigram similarity (Jaccard, as pg_trgm) reaches the threshold,
 * counted exactly through an inverted index; a candidate must hold one of the probe's
 * p − ⌈t·p⌉ + 1 rarest trigrams (prefix filter). Milliseconds for 1,000 titles against 10,000,
 * where a SQL join (or the trigram index, whose common trigrams match most rows) takes seconds.
 */
export function similarTitles(
  probes: string[],
  existing: string[],
  t = TITLE_SIMILARITY,
): [number, number][] {
  const sizes = new Uint16Array(existing.length);
  const postings = new Map<string, number[]>();
  existing.forEach((key, r) => {
    const grams = trigrams(key);
    sizes[r] = grams.length;
    for (const g of grams) {
      const list = postings.get(g);
      if (list) list.push(r);
      else postings.set(g, [r]);
    }
  });
  const pairs: [number, number][] = [];
  const counts = new Uint16Array(existing.length);
  const eligible = new Uint8Array(existing.length);
  probes.forEach((key, k) => {
    if (!key) return;
    const lists = trigrams(key)
      .map((g) => postings.get(g) ?? [])
      .sort((a, b) => a.length - b.length);
    const p = lists.length;
    const prefix = p - Math.ceil(t * p) + 1;
    const touched: number[] = [];
    lists.forEach((list, i) => {
      for (const r of list) {
        if (i < prefix && !eligible[r]) {
          eligible[r] = 1;
          touched.push(r);
        }
        counts[r]!++;
      }
    });
    for (const r of touched) {
      const shared = counts[r]!;
      if (shared / (p + sizes[r]! - shared) >= t - 1e-9) pairs.push([k, r]);
      eligible[r] = 0;
    }
    for (const list of lists) for (const r of list) counts[r] = 0;
  });
  return pairs;
}

/** A PostgreSQL array literal for a text[] parameter (values are bound, never interpolated). */
export function toArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
