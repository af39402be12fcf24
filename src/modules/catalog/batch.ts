import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Actor, type AuditEntry, recordAudits } from '../../platform/audit.js';
import type { Db, DbOrTx } from '../../platform/db.js';
import type { FieldError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Lang } from '../../platform/messages.js';
import { type ChangeRecord, recordChanges } from './changes.js';
import { findDuplicates } from './duplicates.js';
import { EDITABLE_STATUSES, isPublic, type Status } from './lifecycle.js';
import {
  contentHash,
  type ListingInput,
  type ListingKind,
  patentNumbersOf,
  validateListing,
} from './model.js';
import { catalogListings } from './schema.js';
import { applyTransition, saveVersion } from './transitions.js';
import { columnsOf, type DuplicateWarning, type ListingRow, splitInput } from './views.js';

export const BATCH_MAX = 1000;

export type BatchOutcome = 'created' | 'updated' | 'unchanged' | 'invalid';
export interface BatchResult {
  index: number;
  externalId: string | null;
  status: BatchOutcome;
  id?: string;
  errors?: FieldError[];
  /** The few most telling probable duplicates (duplicates.ts MAX_WARNINGS)… */
  warnings?: DuplicateWarning[];
  /** …of this many listings found in all. */
  duplicateCount?: number;
}

export interface BatchOptions {
  kind: ListingKind;
  organisationId: string;
  subCentreId: string | null;
  actor: Actor;
  lang: Lang;
  /** New and edited drafts go straight to review. */
  submit?: boolean;
  /** Only for the system (demo seeding): approve and publish at once. */
  publish?: boolean;
  requestId?: string;
}

interface Valid {
  index: number;
  input: ListingInput;
  hash: string;
  patents: string[];
}

/**
 * Upsert up to 1,000 listings of one organisation by external id, in one transaction. Each
 * item is validated on its own: an invalid item is reported and skipped, never failing the
 * others. The content hash decides `unchanged`, so re-posting the same batch changes nothing.
 */
export async function upsertBatch(db: Db, items: unknown[], o: BatchOptions): Promise<BatchResult[]> {
  const { results, valid } = validateItems(items, o);
  if (!valid.length) return results;

  await db.transaction(async (tx) => {
    // One batch per organisation at a time: concurrent posts of the same external ids queue up.
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock(hashtext(${`catalog-batch:${o.organisationId}:${o.kind}`}))`,
    );
    const { toCreate, toUpdate, toSubmit } = await classify(tx, valid, results, o);
    const audits: AuditEntry[] = [];
    const changes: ChangeRecord[] = [];
    const initial: Status = o.publish ? 'published' : o.submit ? 'submitted' : 'draft';
    if (toCreate.length) {
      const rows = toCreate.map((v) => ({
        id: newId(),
        kind: o.kind,
        organisationId: o.organisationId,
        subCentreId: o.subCentreId,
        status: initial,
        externalId: v.input.externalId!,
        sourceSystem: v.input.sourceSystem ?? null,
        ...columnsOf(o.kind, v.input),
        patentNumbers: v.patents,
        ...splitInput(v.input),
        contentHash: v.hash,
        ...(o.publish ? { publishedAt: sql`now()` } : {}),
      }));
      // Chunked: PostgreSQL binds at most 65,535 parameters per statement.
      for (let k = 0; k < rows.length; k += 500)
        await tx.insert(catalogListings).values(rows.slice(k, k + 500));
      rows.forEach((row, k) => {
        const r = results[toCreate[k]!.index]!;
        r.status = 'created';
        r.id = row.id;
        audits.push(audit(o, `${o.kind}.created`, row.id, { status: initial, contentHash: row.contentHash }));
        if (o.publish) {
          audits.push(audit(o, `${o.kind}.approve`, row.id, { status: 'published' }));
          changes.push({
            kind: o.kind,
            listingId: row.id,
            change: 'published',
            version: 1,
            status: 'published',
          });
        }
      });
    }
    for (const [v, row] of toUpdate) {
      if (row.publishedAt) await saveVersion(tx, row, o.actor);
      const submitNow = o.submit && (row.status === 'draft' || row.status === 'returned');
      await tx
        .update(catalogListings)
        .set({
          ...columnsOf(o.kind, v.input),
          sourceSystem: v.input.sourceSystem ?? null,
          patentNumbers: v.patents,
          ...splitInput(v.input),
          contentHash: v.hash,
          version: row.version + 1,
          updatedAt: sql`now()`,
        })
        .where(eq(catalogListings.id, row.id));
      const r = results[v.index]!;
      r.status = 'updated';
      r.id = row.id;
      audits.push(audit(o, `${o.kind}.updated`, row.id, { version: row.version + 1, contentHash: v.hash }));
      if (isPublic(row.status))
        changes.push({
          kind: o.kind,
          listingId: row.id,
          change: 'updated',
          version: row.version + 1,
          status: row.status,
        });
      if (submitNow) toSubmit.push({ ...row, version: row.version + 1 });
    }
    if (o.submit && !o.publish) {
      for (const row of toCreate)
        audits.push(audit(o, `${o.kind}.submit`, results[row.index]!.id!, { status: 'submitted' }));
    }
    await recordAudits(tx, audits);
    await recordChanges(tx, changes);
    for (const row of toSubmit) await applyTransition(tx, row, { action: 'submit' }, o.actor, o.requestId);
  });
  return results;
}

/**
 * What a batch would do, without writing anything (the import's `--dry-run`): each item's
 * outcome (`created` = would be created, …), its errors and its duplicate warnings against the
 * organisation's listings, read in one READ ONLY transaction.
 */
export async function previewBatch(
  db: Db,
  items: unknown[],
  o: Pick<BatchOptions, 'kind' | 'organisationId' | 'lang' | 'submit'>,
): Promise<BatchResult[]> {
  const { results, valid } = validateItems(items, o);
  if (!valid.length) return results;
  await db.transaction(
    async (tx) => {
      const { toCreate, toUpdate } = await classify(tx, valid, results, o);
      for (const v of toCreate) results[v.index]!.status = 'created';
      for (const [v, row] of toUpdate) {
        results[v.index]!.status = 'updated';
        results[v.index]!.id = row.id;
      }
    },
    { accessMode: 'read only' },
  );
  return results;
}

function validateItems(items: unknown[], o: Pick<BatchOptions, 'kind' | 'lang'>) {
  const results: BatchResult[] = items.map((raw, index) => ({
    index,
    externalId: externalIdOf(raw),
    status: 'invalid',
  }));
  const valid: Valid[] = [];
  const seen = new Set<string>();
  items.forEach((raw, index) => {
    const v = validateListing(o.kind, raw, o.lang);
    const r = results[index]!;
    const ext = v.ok ? v.value.externalId : undefined;
    if (!v.ok) r.errors = v.errors;
    else if (!ext) r.errors = [fieldError('externalId', 'required', o.lang)];
    else if (seen.has(ext)) r.errors = [fieldError('externalId', 'repeated', o.lang)];
    else {
      seen.add(ext);
      valid.push({ index, input: v.value, hash: contentHash(v.value), patents: patentNumbersOf(v.value) });
    }
  });
  return { results, valid };
}

/**
 * Sorts valid items by what they do to the organisation's listings (reads only): new, changed,
 * unchanged (recorded in `results`), not editable (an error in `results`), and adds each changing
 * item's duplicate warnings.
 */
async function classify(
  tx: DbOrTx,
  valid: Valid[],
  results: BatchResult[],
  o: Pick<BatchOptions, 'kind' | 'organisationId' | 'lang' | 'submit'>,
) {
  const existing = await tx
    .select()
    .from(catalogListings)
    .where(
      and(
        eq(catalogListings.organisationId, o.organisationId),
        eq(catalogListings.kind, o.kind),
        inArray(
          catalogListings.externalId,
          valid.map((v) => v.input.externalId!),
        ),
      ),
    );
  const byExt = new Map(existing.map((r) => [r.externalId!, r]));
  const toCreate: Valid[] = [];
  const toUpdate: [Valid, ListingRow][] = [];
  const toSubmit: ListingRow[] = [];
  for (const v of valid) {
    const row = byExt.get(v.input.externalId!);
    const r = results[v.index]!;
    if (!row) toCreate.push(v);
    else if (row.contentHash === v.hash) {
      r.status = 'unchanged';
      r.id = row.id;
      if (o.submit && (row.status === 'draft' || row.status === 'returned')) {
        toSubmit.push(row);
        r.status = 'updated';
      }
    } else if (!(EDITABLE_STATUSES as readonly string[]).includes(row.status)) {
      r.id = row.id;
      r.errors = [fieldError('externalId', 'not-editable', o.lang, row.status)];
    } else toUpdate.push([v, row]);
  }
  const changing = [...toCreate, ...toUpdate.map(([v]) => v)];
  const selfIds = new Map(toUpdate.map(([v, row]) => [v.index, row.id]));
  const dups = await findDuplicates(
    tx,
    o.kind,
    o.organisationId,
    changing.map((v) => ({ title: v.input.title, patentNumbers: v.patents, selfId: selfIds.get(v.index) })),
  );
  changing.forEach((v, k) => {
    if (!dups[k]!.count) return;
    results[v.index]!.warnings = dups[k]!.warnings;
    results[v.index]!.duplicateCount = dups[k]!.count;
  });
  return { toCreate, toUpdate, toSubmit };
}

function audit(o: BatchOptions, action: string, id: string, after: object): AuditEntry {
  return { actor: o.actor, action, objectType: o.kind, objectId: id, after, requestId: o.requestId };
}

function externalIdOf(raw: unknown): string | null {
  const e = (raw as { externalId?: unknown } | null)?.externalId;
  return typeof e === 'string' ? e.slice(0, 100) : null;
}

const TEXT: Record<string, { 'zh-CN': string; en: string }> = {
  required: { 'zh-CN': '批量发布的每一项都须有外部编号', en: 'every batch item needs an externalId' },
  repeated: { 'zh-CN': '同一批次中外部编号重复', en: 'externalId repeated within the batch' },
  'not-editable': { 'zh-CN': '当前状态（{s}）不能修改', en: 'cannot be changed in state {s}' },
};
function fieldError(field: string, code: string, lang: Lang, s = ''): FieldError {
  return { field, code, message: TEXT[code]![lang].replace('{s}', s) };
}
