import { and, arrayOverlaps, desc, eq, lt, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import type { DbOrTx } from '../../platform/db.js';
import { ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { pageByIdDesc } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { documentHoldsAll, loadDefaultThesaurus } from '../matching/index.js';
import { notifyInTx } from '../notifications/index.js';
import { type PageQuery, type ServiceDeps, verifiedOrganisationOf } from './deps.js';
import { type Qualification, qualificationProblem, type ServiceKind } from './kinds.js';
import { type OfferingAction, offeringTable } from './lifecycle.js';
import { organisationOf } from './ports.js';
import { serviceOfferings as o } from './schema.js';
import { offeringChanged } from './search-feed.js';
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

/** The institution replaces a draft or rejected offering. */
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
    if (current.status !== 'draft' && current.status !== 'rejected')
      throw new UnprocessableError('service-offering-not-editable');
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
      before: { status: current.status },
      after: { status: row!.status, kind: row!.kind },
      requestId,
    });
    // the search index re-reads it (a draft or rejected offering is not indexed: this keeps it so)
    await offeringChanged(tx, id);
    return row!;
  });
  deps.outbox.kick();
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
    await offeringChanged(tx, id);
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

/** Offerings examined per page of a `q` search, and per batch read. */
const SEARCH_SCAN_MAX = 2000;
const SEARCH_BATCH = 200;

/**
 * Published offerings, newest first, filtered by kind, field, region served (an offering
 * serving no listed region serves everywhere) and institution; `mine` lists the caller's own.
 */
export async function listOfferings(deps: ServiceDeps, p: Principal | undefined, q: OfferingQuery) {
  if (q.mine && !p?.organisationId) throw new UnprocessableError('service-organisation-required');
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
  const words = q.q?.trim();
  const page = await pageByIdDesc(
    deps.cursors,
    list,
    q,
    async (before, limit) => {
      if (!words) return read(before, limit);
      // Full-text over title and description, judged by the matching module's rule (all words).
      const thesaurus = loadDefaultThesaurus();
      const found: OfferingRow[] = [];
      let cursor = before;
      for (let scanned = 0; scanned < SEARCH_SCAN_MAX && found.length < limit; ) {
        const batch = await read(cursor, SEARCH_BATCH);
        for (const r of batch)
          if (documentHoldsAll({ title: r.title, summary: r.description, keywords: [] }, words, thesaurus))
            found.push(r);
        scanned += batch.length;
        if (batch.length < SEARCH_BATCH) break;
        cursor = batch.at(-1)!.id;
      }
      return found.slice(0, limit);
    },
    (r) => r.id,
  );
  return { items: page.items.map(offeringView), nextCursor: page.nextCursor };
}
