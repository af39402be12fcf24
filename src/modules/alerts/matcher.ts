/**
 * The alert job: a listing version was indexed, so find the saved searches that version matches
 * and alert their owners, exactly once per (saved search, listing, version).
 *
 * 1. The job names the version it was queued for, and that version is judged — not whatever the
 *    index holds when the job runs (two edits back to back are indexed together; the index then
 *    holds only the newer). Its public content comes from the catalog (the current content, or
 *    the version's from the listing's history) and is made into a search document the way the
 *    indexer makes it, so alerts see what search sees and never the confidential part.
 * 2. SQL selects the saved searches of that type whose structured filters the version passes
 *    (the engine's filter rules, indexed by type) and drops those of the listing's own
 *    organisation.
 * 3. Each one's text is judged in-process against the version's document with the embedded
 *    engine's rule for every word (or a synonym) of the query, once per distinct query.
 * 4. One transaction per page of candidates writes the alert rows (unique per search, listing and
 *    version), the inbox notifications (dedupKey) and, when asked, `alert.matched` webhook events —
 *    only for alert rows this run inserted, so a retried job produces nothing twice.
 */
import { inArray } from 'drizzle-orm';
import type { Database } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { emitEventInTx } from '../integration/index.js';
import {
  documentHoldsAll,
  type ListingIndexedJob,
  listingVersionDocument,
  priceRange,
  regionPath,
  SEARCHABLE_STATUSES,
  type SearchDocument,
  type SearchEngine,
} from '../matching/index.js';
import { notifyInTx } from '../notifications/index.js';
import { savedSearchAlerts, savedSearches } from './schema.js';

/** Candidates read and alerted per transaction. */
const PAGE = 500;

export interface AlertMatcherDeps {
  database: Database;
  engine: () => Promise<SearchEngine>;
  /** dispatch the outbox after a commit that emitted webhook events */
  kick: () => void;
}

export interface AlertRunResult {
  candidates: number;
  matched: number;
  alerted: number;
}

type Row = typeof savedSearches.$inferSelect;

const CANDIDATES_SQL = `
  SELECT id FROM saved_searches s
   WHERE s.type = $1::text
     AND ($2::uuid IS NULL OR s.organisation_id IS DISTINCT FROM $2::uuid)
     AND (cardinality(s.field_codes) = 0 OR $3::text = ANY(s.field_codes))
     AND (cardinality(s.region_codes) = 0 OR s.region_codes && $4::text[])
     AND (s.trl_min IS NULL OR $5::int >= s.trl_min)
     AND (s.trl_max IS NULL OR $5::int <= s.trl_max)
     AND (cardinality(s.transfer_modes) = 0 OR s.transfer_modes && $6::text[])
     AND ((s.price_min_fen IS NULL AND s.price_max_fen IS NULL)
          OR CASE WHEN $7::bigint IS NULL THEN s.include_negotiable
                  ELSE (s.price_min_fen IS NULL OR $8::bigint >= s.price_min_fen)
                   AND (s.price_max_fen IS NULL OR $7::bigint <= s.price_max_fen) END)
     AND ($9::uuid IS NULL OR s.id > $9::uuid)
   ORDER BY s.id
   LIMIT $10::int`;

function candidateParams(job: ListingIndexedJob, doc: SearchDocument, after: string | null): unknown[] {
  // the same price range the engine indexes (an achievement's price, a need's budget)
  const range = priceRange(doc);
  return [
    job.type,
    doc.organisationId ?? null,
    doc.fieldCode ?? null,
    regionPath(doc.regionCode),
    doc.trl ?? null,
    doc.transferModes ?? [],
    range.min,
    range.max,
    after,
    PAGE,
  ];
}

export async function processListingIndexed(
  deps: AlertMatcherDeps,
  job: ListingIndexedJob,
): Promise<AlertRunResult> {
  const result: AlertRunResult = { candidates: 0, matched: 0, alerted: 0 };
  // a withdrawn, expired or unpublished listing alerts no one
  if (!job.visible || (job.change !== 'published' && job.change !== 'updated')) return result;
  const doc = await listingVersionDocument(deps.database.db, job.type, job.id, job.version);
  // not public (any more), or not searchable (transacted): nothing to announce
  if (!doc || !SEARCHABLE_STATUSES.includes(doc.status)) return result;
  const thesaurus = await (await deps.engine()).thesaurus();
  const verdicts = new Map<string, boolean>();
  const holds = (q: string) => {
    if (!verdicts.has(q)) verdicts.set(q, documentHoldsAll(doc, q, thesaurus));
    return verdicts.get(q)!;
  };

  let after: string | null = null;
  for (;;) {
    const { rows: ids }: { rows: { id: string }[] } = await deps.database.pool.query(
      CANDIDATES_SQL,
      candidateParams(job, doc, after),
    );
    if (ids.length === 0) break;
    after = ids[ids.length - 1]!.id;
    const rows = await deps.database.db
      .select()
      .from(savedSearches)
      .where(
        inArray(
          savedSearches.id,
          ids.map((r) => r.id),
        ),
      );
    result.candidates += rows.length;
    const matching = rows.filter((r) => holds(r.q)).map((r) => r.id);
    result.matched += matching.length;
    if (matching.length > 0) result.alerted += await alertInTx(deps, job, doc, matching);
    if (ids.length < PAGE) break;
  }
  return result;
}

const KIND_WORD = { achievement: '成果', need: '需求' } as const;

async function alertInTx(
  deps: AlertMatcherDeps,
  job: ListingIndexedJob,
  hit: SearchDocument,
  savedSearchIds: string[],
): Promise<number> {
  let emitted = false;
  const alerted = await deps.database.db.transaction(async (tx) => {
    // KEY SHARE: a saved search deleted meanwhile is skipped; one being deleted waits for this commit
    const owners = await tx
      .select()
      .from(savedSearches)
      .where(inArray(savedSearches.id, savedSearchIds))
      .for('key share');
    if (owners.length === 0) return 0;
    const inserted = await tx
      .insert(savedSearchAlerts)
      .values(
        owners.map((s) => ({
          id: newId(),
          savedSearchId: s.id,
          listingType: job.type,
          listingId: job.id,
          version: job.version,
          change: job.change,
          title: hit.title,
        })),
      )
      .onConflictDoNothing({
        target: [savedSearchAlerts.savedSearchId, savedSearchAlerts.listingId, savedSearchAlerts.version],
      })
      .returning();
    const byId = new Map(owners.map((s) => [s.id, s]));
    const fresh = inserted.map((a) => ({ alert: a, search: byId.get(a.savedSearchId)! }));
    const word = job.change === 'published' ? `新${KIND_WORD[job.type]}` : `更新的${KIND_WORD[job.type]}`;
    await notifyInTx(
      tx,
      fresh.map(({ alert, search }) => ({
        recipient: { userId: search.ownerUserId },
        kind: 'alert.matched',
        title: `订阅「${search.name}」有${word}：${hit.title}`,
        data: dataOf(alert, search),
        dedupKey: `alert:${search.id}:${job.id}:${job.version}`,
      })),
    );
    for (const { alert, search } of fresh) {
      if (!search.notifyWebhook || !search.organisationId) continue;
      await emitEventInTx(tx, {
        type: 'alert.matched',
        subjectId: job.id,
        organisationIds: [search.organisationId],
        data: { ...dataOf(alert, search), title: hit.title },
      });
      emitted = true;
    }
    return fresh.length;
  });
  if (emitted) deps.kick();
  return alerted;
}

function dataOf(alert: typeof savedSearchAlerts.$inferSelect, search: Row): Record<string, unknown> {
  return {
    alertId: alert.id,
    savedSearchId: search.id,
    savedSearchName: search.name,
    listingType: alert.listingType,
    listingId: alert.listingId,
    version: alert.version,
    change: alert.change,
  };
}
