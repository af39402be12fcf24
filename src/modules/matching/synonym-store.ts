/**
 * The operators' thesaurus lives in PostgreSQL (`matching_synonym_sets`, one row per search
 * namespace), whichever engine runs: it survives restarts and a wiped Meilisearch, and every
 * process reads the same one. No row = the shipped data/synonyms.json.
 */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import type { SearchEngine } from './engine.js';
import { matchingSynonymSets } from './schema.js';
import { loadDefaultThesaurus, type SynonymGroup } from './synonyms.js';

export interface StoredThesaurus {
  groups: SynonymGroup[];
  source: 'stored' | 'shipped';
  updatedAt: Date | null;
}

export async function readThesaurus(db: DbOrTx, namespace: string): Promise<StoredThesaurus> {
  const [row] = await db
    .select({ groups: matchingSynonymSets.groups, updatedAt: matchingSynonymSets.updatedAt })
    .from(matchingSynonymSets)
    .where(eq(matchingSynonymSets.namespace, namespace));
  if (row) return { groups: row.groups as SynonymGroup[], source: 'stored', updatedAt: row.updatedAt };
  return { groups: loadDefaultThesaurus().groups(), source: 'shipped', updatedAt: null };
}

export async function storeThesaurus(db: DbOrTx, namespace: string, groups: SynonymGroup[]): Promise<void> {
  await db
    .insert(matchingSynonymSets)
    .values({ namespace, groups })
    .onConflictDoUpdate({
      target: matchingSynonymSets.namespace,
      set: { groups, updatedAt: sql`now()` },
    });
}

/** Serialises thesaurus writers of one namespace (take it in a transaction of its own). */
export async function lockThesaurus(tx: DbOrTx, namespace: string): Promise<void> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`matching.synonyms:${namespace}`}, 0))`,
  );
}

/** Groups and terms, for the audit trail. */
export const thesaurusSize = (groups: SynonymGroup[]) => ({
  groups: groups.length,
  terms: groups.reduce((n, g) => n + g.terms.length, 0),
});

const fingerprint = (groups: SynonymGroup[]) => JSON.stringify(groups.map((g) => [g.id ?? null, g.terms]));

/**
 * Makes the engine use the stored thesaurus (or the shipped one). The embedded engine reads the
 * same table itself; Meilisearch keeps its own copy, which may be stale or gone (a new server).
 */
export async function applyStoredSynonyms(
  engine: SearchEngine,
  db: DbOrTx,
  namespace: string,
): Promise<void> {
  const wanted = await readThesaurus(db, namespace);
  const current = await engine.getSynonyms();
  if (fingerprint(current) !== fingerprint(wanted.groups)) await engine.setSynonyms(wanted.groups);
}

/**
 * After a replacement has committed: makes the engine hold the stored thesaurus, reading it again
 * after the write so that a replacement committed meanwhile is not overwritten by this older one
 * (no transaction or lock is held while the engine works).
 */
export async function syncSynonyms(engine: SearchEngine, db: DbOrTx, namespace: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const wanted = await readThesaurus(db, namespace);
    await engine.setSynonyms(wanted.groups);
    const after = await readThesaurus(db, namespace);
    if (fingerprint(after.groups) === fingerprint(wanted.groups)) return;
  }
  throw new Error(`thesaurus of ${namespace} kept changing while it was applied; retrying`);
}
