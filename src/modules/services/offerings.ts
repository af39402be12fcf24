import { and, arrayOverlaps, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import type { DbOrTx } from '../../platform/db.js';
import {
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { clampLimit, pageByIdDesc } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { documentHoldsAll, loadDefaultThesaurus, servedRegionTags } from '../matching/index.js';
import { notifyInTx } from '../notifications/index.js';
import { type PageQuery, type ServiceDeps, verifiedOrganisationOf } from './deps.js';
import { offeringChanged } from './feed.js';
import { type Qualification, qualificationProblem, type ServiceKind } from './kinds.js';
import { type OfferingAction, offeringTable } from './lifecycle.js';
import { organisationOf } from './ports.js';
import { serviceOfferings as o } from './schema.js';
import { offeringChanged as reindexOffering } from './search-feed.js';
import { type OfferingRow, offeringView } from './views.js';

export interface OfferingInput {
  kind: ServiceKind;
  title: string;
  description: string;
  priceModel: 'fixed' | 'from' | 'quote';
  priceFen?: number;
  turnaroundDays: number;
  regionCodes?: string[];
  fieldCodes?: string[];
  qualification?: Qualification;
}

export async function findOffering(db: DbOrTx, id: string, lock = false): Promise<OfferingRow> {
  const q = db.select().from(o).where(eq(o.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

function checkInput(input: OfferingInput, now: Date) {
  if ((input.priceModel === 'quote') !== (input.priceFen === undefined))
    throw new ValidationError(
      [{ field: 'body/priceFen', code: 'price', message: 'fixed and from need priceFen; quote takes none' }],
      'service-price-invalid',
    );
  checkQualification(input.kind, input.qualification ?? null, now);
}

function checkQualification(kind: string, q: Qualification | null, now: Date) {
  const problem = qualificationProblem(kind, q, now);
  if (problem === 'missing') throw new UnprocessableError('service-qualification-missing', { kind });
  if (problem === 'expired')
    throw new UnprocessableError('service-qualification-expired', { validUntil: q?.validUntil ?? '' });
}

/** A verified service institution drafts an offering (服务产品). */
export async function createOffering(
  deps: ServiceDeps,
  p: Principal | undefined,
  input: OfferingInput,
  requestId?: string,
): Promise<OfferingRow> {
  const organisationId = verifiedOrganisationOf(p);
  const org = await organisationOf(deps.db, organisationId);
  if (org?.type !== 'service_institution') throw new ForbiddenError('service-institution-required');
  checkInput(input, deps.now?.() ?? new Date());
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(o)
      .values({
        id: newId(),
        organisationId,
        subCentreId: org.subCentreId,
        kind: input.kind,
        title: input.title,
        description: input.description,
        priceModel: input.priceModel,
        priceFen: input.priceFen ?? null,
        turnaroundDays: input.turnaroundDays,
        regionCodes: input.regionCodes ?? [],
        fieldCodes: input.fieldCodes ?? [],
        qualification: input.qualification ?? null,
        status: 'draft',
      })
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'service-offering.create',
      objectType: 'service_offering',
      objectId: row!.id,
      after: { status: 'draft', kind: row!.kind },
      requestId,
    });
    return row!;
  });
}

/** States in which the institution may replace its offering's content with `PUT`. */
const EDITABLE = new Set<OfferingRow['status']>(['draft', 'rejected', 'published']);

/** The offering's content as the audit trail records it before and after an edit. */
function contentOf(r: OfferingRow) {
  return {
    status: r.status,
    kind: r.kind,
    title: r.title,
    description: r.description,
    priceModel: r.priceModel,
    priceFen: r.priceFen,
    turnaroundDays: r.turnaroundDays,
    regionCodes: r.regionCodes,
    fieldCodes: r.fieldCodes,
    qualification: r.qualification,
  };
}

/**
 * The institution replaces a draft, rejected or published offering. A published one stays
 * published (issue 16: corrected like a listing, without withdrawing it): the change is public in
 * the feed (`updated`) and re-indexed; its kind cannot change (another kind is another offering).
 * Quotes and orders keep the price they were made at (they hold their own `priceFen`).
 */
export async function updateOffering(
  deps: ServiceDeps,
  p: Principal | undefined,
  id: string,
  input: OfferingInput,
  requestId?: string,
): Promise<OfferingRow> {
  const updated = await deps.db.transaction(async (tx) => {
    const current = await findOffering(tx, id, true);
    authorize(p, 'service-offering.edit', current);
    if (!EDITABLE.has(current.status)) throw new UnprocessableError('service-offering-not-editable');
    const published = current.status === 'published';
    if (published && input.kind !== current.kind)
      throw new UnprocessableError('service-offering-kind-fixed', { kind: current.kind });
    checkInput(input, deps.now?.() ?? new Date());
    const [row] = await tx
      .update(o)
      .set({
        kind: input.kind,
        title: input.title,
        description: input.description,
        priceModel: input.priceModel,
        priceFen: input.priceFen ?? null,
        turnaroundDays: input.turnaroundDays,
        regionCodes: input.regionCodes ?? [],
        fieldCodes: input.fieldCodes ?? [],
        qualification: input.qualification ?? null,
        updatedAt: sql`now()`,
      })
      .where(eq(o.id, id))
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'service-offering.update',
      objectType: 'service_offering',
      objectId: id,
      before: contentOf(current),
      after: contentOf(row!),
      requestId,
    });
    // A published offering is public: partners following the feed re-fetch it.
    if (published) await offeringChanged(tx, id, 'updated');
    // the search index re-reads it in this transaction (published: the new text replaces the
    // old; a draft or rejected offering is not indexed and stays so)
    await reindexOffering(tx, id);
    return row!;
  });
  deps.outbox.kick(); // the search index hook
  return updated;
}

const REVIEW_TITLES: Partial<Record<OfferingAction, string>> = {
  publish: '服务产品已审核发布',
  reject: '服务产品未通过审核',
};

/** submit / publish / reject / withdraw, under the row lock, audited. */
export async function offeringStep(
  deps: ServiceDeps,
  p: Principal | undefined,
  id: string,
  action: OfferingAction,
  body: { reason?: string },
  requestId?: string,
): Promise<OfferingRow> {
  const stepped = await deps.db.transaction(async (tx) => {
    const current = await findOffering(tx, id, true);
    const review = action === 'publish' || action === 'reject';
    authorize(p, review ? 'service-offering.review' : 'service-offering.edit', current);
    const to = offeringTable.nextStatus(current.status, action);
    if (action === 'reject' && !body.reason?.trim())
      throw new ValidationError([
        { field: 'body/reason', code: 'required', message: 'a reason is required' },
      ]);
    // A licence that lapsed since drafting stops the offering from going out.
    if (action === 'submit' || action === 'publish')
      checkQualification(
        current.kind,
        current.qualification as Qualification | null,
        deps.now?.() ?? new Date(),
      );
    const [row] = await tx
      .update(o)
      .set({
        status: to,
        rejectReason:
          action === 'reject' ? body.reason!.trim() : action === 'submit' ? null : current.rejectReason,
        publishedAt: action === 'publish' ? sql`now()` : current.publishedAt,
        updatedAt: sql`now()`,
      })
      .where(eq(o.id, id))
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: `service-offering.${action}`,
      objectType: 'service_offering',
      objectId: id,
      before: { status: current.status },
      after: { status: to, ...(action === 'reject' ? { reason: body.reason } : {}) },
      requestId,
    });
    // The public feed: an offering appears when published, leaves when a published one is withdrawn.
    if (action === 'publish') await offeringChanged(tx, id, 'published');
    if (action === 'withdraw' && current.status === 'published') await offeringChanged(tx, id, 'withdrawn');
    const title = REVIEW_TITLES[action];
    if (title)
      await notifyInTx(tx, [
        {
          recipient: { organisationId: current.organisationId },
          kind: `service-offering.${action}`,
          title: `${title}：${current.title}`,
          data: { offeringId: id, status: to },
          dedupKey: `service-offering:${id}:${action}:${row!.updatedAt.toISOString()}`,
        },
      ]);
    // published → indexed, withdrawn → removed, in this transaction (durable, see search-feed.ts)
    await reindexOffering(tx, id);
    return row!;
  });
  deps.outbox.kick(); // the search index hook
  return stepped;
}

export async function getOffering(deps: ServiceDeps, p: Principal | undefined, id: string) {
  const row = await findOffering(deps.db, id);
  authorize(p, 'service-offering.read', row);
  return offeringView(row);
}

export interface OfferingQuery extends PageQuery {
  kind?: OfferingRow['kind'];
  fieldCode?: string;
  regionCode?: string;
  organisationId?: string;
  /** The caller organisation's own offerings, in every state. */
  mine?: boolean;
  /** Words the title or description must all hold (matching's segmentation and thesaurus). */
  q?: string;
}

/** Own offerings examined per page of a `mine` search (they are not all in the index: drafts). */
const MINE_SCAN_MAX = 2000;
const MINE_BATCH = 200;
/** A `q` search pages through at most this many ranked offerings (the engine's deepest offset). */
const SEARCH_MAX_OFFSET = 1000;

/**
 * Published offerings, newest first, filtered by kind, field, region served (an offering
 * serving no listed region serves everywhere) and institution; `mine` lists the caller's own.
 * With `q` (and not `mine`), the search engine ranks the published offerings by relevance
 * (`searchOfferings`).
 */
export async function listOfferings(deps: ServiceDeps, p: Principal | undefined, q: OfferingQuery) {
  if (q.mine && !p?.organisationId) throw new UnprocessableError('service-organisation-required');
  const words = q.q?.trim();
  if (words && !q.mine) return searchOfferings(deps, q, words);
  const where = and(
    q.mine ? eq(o.organisationId, p!.organisationId!) : eq(o.status, 'published'),
    q.kind ? eq(o.kind, q.kind) : undefined,
    q.fieldCode ? arrayOverlaps(o.fieldCodes, [q.fieldCode]) : undefined,
    q.regionCode
      ? sql`(cardinality(${o.regionCodes}) = 0 OR ${q.regionCode} = ANY(${o.regionCodes}) OR ${q.regionCode.slice(0, 2)}||'0000' = ANY(${o.regionCodes}) OR ${q.regionCode.slice(0, 4)}||'00' = ANY(${o.regionCodes}))`
      : undefined,
    q.organisationId ? eq(o.organisationId, q.organisationId) : undefined,
  );
  const list = `service-offerings:${q.mine ? p!.organisationId : ''}:${q.kind ?? ''}:${q.fieldCode ?? ''}:${q.regionCode ?? ''}:${q.organisationId ?? ''}:${q.q ?? ''}`;
  const read = (before: string | undefined, limit: number) =>
    deps.db
      .select()
      .from(o)
      .where(before ? and(where, lt(o.id, before)) : where)
      .orderBy(desc(o.id))
      .limit(limit);
  const page = await pageByIdDesc(
    deps.cursors,
    list,
    q,
    async (before, limit) => {
      if (!words) return read(before, limit);
      // The caller's own offerings in every state (drafts are not in the search index): judged
      // by the matching module's rule (all words), newest first.
      const thesaurus = loadDefaultThesaurus();
      const found: OfferingRow[] = [];
      let cursor = before;
      for (let scanned = 0; scanned < MINE_SCAN_MAX && found.length < limit; ) {
        const batch = await read(cursor, MINE_BATCH);
        for (const r of batch)
          if (documentHoldsAll({ title: r.title, summary: r.description, keywords: [] }, words, thesaurus))
            found.push(r);
        scanned += batch.length;
        if (batch.length < MINE_BATCH) break;
        cursor = batch.at(-1)!.id;
      }
      return found.slice(0, limit);
    },
    (r) => r.id,
  );
  return { items: page.items.map(offeringView), nextCursor: page.nextCursor };
}

/**
 * `q` over published offerings through the search engine (issue 16): every word of `q` (or a
 * synonym) in the title, kind, description or institution name, best first (newest first among
 * equals). The filters are the engine's tags (projection in the matching module); the cursor
 * carries the offset, signed and bound to the query, at most 1,000 results deep. The index follows
 * the offerings within seconds; a hit that is no longer published is left out of its page.
 */
async function searchOfferings(deps: ServiceDeps, q: OfferingQuery, words: string) {
  if (!deps.search) throw new Error('services: no search engine wired');
  const list = `service-offerings:search:${q.kind ?? ''}:${q.fieldCode ?? ''}:${q.regionCode ?? ''}:${q.organisationId ?? ''}:${words}`;
  const key = deps.cursors.decode(list, q.cursor);
  const offset = key ? Number(key[0]) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > SEARCH_MAX_OFFSET)
    throw new BadRequestError('invalid-cursor');
  const limit = clampLimit(q.limit);
  const tags: string[][] = [];
  if (q.kind) tags.push([`kind:${q.kind}`]);
  if (q.fieldCode) tags.push([`field:${q.fieldCode}`]);
  if (q.regionCode) tags.push(servedRegionTags(q.regionCode));
  const engine = await deps.search();
  const result = await engine.search({
    type: 'offering',
    q: words,
    match: 'all',
    filters: { tags, organisationId: q.organisationId },
    offset,
    limit,
    highlight: false,
  });
  const ids = result.hits.map((h) => h.id);
  const rows = ids.length
    ? await deps.db
        .select()
        .from(o)
        .where(and(inArray(o.id, ids), eq(o.status, 'published')))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const next = result.nextOffset;
  return {
    items: ids.flatMap((id) => (byId.has(id) ? [offeringView(byId.get(id)!)] : [])),
    nextCursor: next !== null && next <= SEARCH_MAX_OFFSET ? deps.cursors.encode(list, [next]) : null,
  };
}
