import { and, desc, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import type { DbOrTx } from '../../platform/db.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { pageNewestFirst } from '../../platform/lists.js';
import { actsFor, isOperator, type Principal } from '../../platform/principal.js';
import { emitEventInTx } from '../integration/index.js';
import { offeringSuggestions } from '../matching/index.js';
import { notifyInTx } from '../notifications/index.js';
import { type PageQuery, type ServiceDeps, verifiedOrganisationOf } from './deps.js';
import { quotingOrganisations, requestChanged } from './feed.js';
import { chinaToday, type ServiceKind } from './kinds.js';
import { ownsSubject, type SubjectType } from './ports.js';
import { serviceRequests as r, serviceOfferings, serviceQuotes } from './schema.js';
import { offeringView, quoteView, type RequestRow, requestView } from './views.js';

/** Suggestions shown for a request. */
const SUGGESTIONS = 20;

export interface RequestInput {
  kind: ServiceKind;
  title: string;
  description: string;
  fieldCodes?: string[];
  regionCode?: string;
  subject?: { type: SubjectType; id: string };
}

export interface QuoteInput {
  offeringId: string;
  priceFen: number;
  turnaroundDays: number;
  validUntil: string;
  note?: string;
}

export async function findRequest(db: DbOrTx, id: string, lock = false): Promise<RequestRow> {
  const q = db.select().from(r).where(eq(r.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

/** Kinds the organisation has a published offering of (so it may see and quote requests of them). */
async function offeredKinds(db: DbOrTx, organisationId: string | undefined): Promise<ServiceKind[]> {
  if (!organisationId) return [];
  const rows = await db
    .selectDistinct({ kind: serviceOfferings.kind })
    .from(serviceOfferings)
    .where(
      and(eq(serviceOfferings.organisationId, organisationId), eq(serviceOfferings.status, 'published')),
    );
  return rows.map((x) => x.kind);
}

const refOf = async (db: DbOrTx, p: Principal | undefined, row: RequestRow) => ({
  organisationId: row.organisationId,
  callerOffersKind: !!p?.orgVerified && (await offeredKinds(db, p.organisationId)).includes(row.kind),
});

/** An organisation describes what it needs (服务需求). */
export async function createRequest(
  deps: ServiceDeps,
  p: Principal | undefined,
  input: RequestInput,
  requestId?: string,
): Promise<RequestRow> {
  const organisationId = verifiedOrganisationOf(p);
  if (input.subject && !(await ownsSubject(deps.db, organisationId, input.subject)))
    throw new UnprocessableError('service-subject-invalid');
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(r)
      .values({
        id: newId(),
        organisationId,
        kind: input.kind,
        title: input.title,
        description: input.description,
        fieldCodes: input.fieldCodes ?? [],
        regionCode: input.regionCode ?? null,
        subject: input.subject ?? null,
      })
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'service-request.create',
      objectType: 'service_request',
      objectId: row!.id,
      after: { kind: row!.kind, subject: input.subject ?? null },
      requestId,
    });
    await requestChanged(tx, row!.id, 'created', [organisationId]);
    return row!;
  });
}

/** One request with its quotes: the requester sees all, an institution its own. */
export async function getRequest(deps: ServiceDeps, p: Principal | undefined, id: string) {
  const row = await findRequest(deps.db, id);
  authorize(p, 'service-request.read', await refOf(deps.db, p, row));
  const all = actsFor(p, row.organisationId) || (isOperator(p) && !p?.organisationId);
  const quotes = await deps.db
    .select()
    .from(serviceQuotes)
    .where(
      and(
        eq(serviceQuotes.requestId, id),
        all ? undefined : eq(serviceQuotes.organisationId, p?.organisationId ?? sql`NULL`),
      ),
    )
    .orderBy(desc(serviceQuotes.id))
    .limit(100);
  return { ...requestView(row), quotes: quotes.map(quoteView) };
}

export interface RequestQuery extends PageQuery {
  /** mine: the caller organisation's requests; open: open requests of kinds it offers. */
  role?: 'mine' | 'open';
  kind?: RequestRow['kind'];
}

export async function listRequests(deps: ServiceDeps, p: Principal | undefined, q: RequestQuery) {
  const org = p?.organisationId;
  let scope: SQL | undefined;
  if (q.role === 'open') {
    const kinds = p?.orgVerified ? await offeredKinds(deps.db, org) : [];
    scope = kinds.length
      ? and(eq(r.status, 'open'), inArray(r.kind, kinds), org ? ne(r.organisationId, org) : undefined)
      : undefined;
  } else if (org) scope = eq(r.organisationId, org);
  else if (isOperator(p)) scope = sql`true`;
  const where = and(scope ?? sql`false`, q.kind ? eq(r.kind, q.kind) : undefined);
  const list = `service-requests:${p?.kind}:${p?.id}:${q.role ?? ''}:${q.kind ?? ''}`;
  const query = deps.db.select().from(r).$dynamic();
  const page = await pageNewestFirst(deps.cursors, list, q, query, r.id, where, (x) => x.id);
  return { items: page.items.map(requestView), nextCursor: page.nextCursor };
}

/**
 * Published offerings of the request's kind from other organisations, ranked by the search and
 * matching engine with its reasons (issue 16): the request's text is the query, fields and the
 * region served reorder comparable text fits; an offering sharing no telling text is no match.
 */
export async function suggestOfferings(deps: ServiceDeps, p: Principal | undefined, id: string) {
  const row = await findRequest(deps.db, id);
  authorize(p, 'service-request.read', await refOf(deps.db, p, row));
  if (!deps.search) throw new Error('services: no search engine wired');
  const matches = await offeringSuggestions(
    await deps.search(),
    deps.db,
    {
      title: row.title,
      description: row.description,
      kind: row.kind,
      fieldCodes: row.fieldCodes,
      regionCode: row.regionCode,
      excludeOrganisationId: row.organisationId,
    },
    SUGGESTIONS,
  );
  const rows = matches.length
    ? await deps.db
        .select()
        .from(serviceOfferings)
        .where(
          inArray(
            serviceOfferings.id,
            matches.map((m) => m.id),
          ),
        )
    : [];
  const byId = new Map(rows.map((o) => [o.id, o]));
  return {
    items: matches.flatMap((m) => {
      const offering = byId.get(m.id);
      if (!offering) return [];
      const { score, breakdown, reasons, matchedTerms } = m;
      return [{ offering: offeringView(offering), score, breakdown, reasons, matchedTerms }];
    }),
  };
}

/** An institution answers an open request with a quote for one of its published offerings. */
export async function createQuote(
  deps: ServiceDeps,
  p: Principal | undefined,
  requestId: string,
  input: QuoteInput,
  httpRequestId?: string,
) {
  const quote = await deps.db.transaction(async (tx) => {
    const row = await findRequest(tx, requestId, true);
    authorize(p, 'service-request.quote', await refOf(tx, p, row));
    if (row.status !== 'open') throw new ConflictError('service-request-closed');
    const [offering] = await tx
      .select()
      .from(serviceOfferings)
      .where(eq(serviceOfferings.id, input.offeringId));
    if (
      !offering ||
      offering.organisationId !== p!.organisationId ||
      offering.status !== 'published' ||
      offering.kind !== row.kind
    )
      throw new UnprocessableError('service-offering-not-quotable');
    if (input.validUntil < chinaToday(deps.now?.())) throw new UnprocessableError('service-quote-expired');
    const [q] = await tx
      .insert(serviceQuotes)
      .values({
        id: newId(),
        requestId,
        offeringId: offering.id,
        organisationId: offering.organisationId,
        priceFen: input.priceFen,
        turnaroundDays: input.turnaroundDays,
        validUntil: input.validUntil,
        note: input.note ?? null,
      })
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'service-request.quote',
      objectType: 'service_request',
      objectId: requestId,
      after: { quoteId: q!.id, priceFen: q!.priceFen, turnaroundDays: q!.turnaroundDays },
      requestId: httpRequestId,
    });
    const data = { requestId, quoteId: q!.id, offeringId: offering.id, priceFen: q!.priceFen };
    await notifyInTx(
      tx,
      [
        [row.organisationId, '收到服务报价'],
        [offering.organisationId, '已提交服务报价'],
      ].map(([organisationId, title]) => ({
        recipient: { organisationId: organisationId! },
        kind: 'service-request.quoted',
        title: `${title}：${row.title}`,
        data,
        dedupKey: `service-quote:${q!.id}:${organisationId}`,
      })),
    );
    await requestChanged(tx, requestId, 'quoted', [row.organisationId, offering.organisationId]);
    await emitEventInTx(tx, {
      type: 'service-request.quoted',
      subjectId: requestId,
      organisationIds: [row.organisationId, offering.organisationId],
      data,
    });
    return q!;
  });
  deps.outbox.kick();
  return quoteView(quote);
}

/** The institution withdraws its quote while the request is open: it can no longer be accepted. */
export async function withdrawQuote(
  deps: ServiceDeps,
  p: Principal | undefined,
  requestId: string,
  quoteId: string,
  httpRequestId?: string,
) {
  const quote = await deps.db.transaction(async (tx) => {
    const row = await findRequest(tx, requestId, true);
    const [current] = await tx
      .select()
      .from(serviceQuotes)
      .where(and(eq(serviceQuotes.id, quoteId), eq(serviceQuotes.requestId, requestId)))
      .for('update');
    if (!current) throw new NotFoundError();
    authorize(p, 'service-quote.withdraw', {
      organisationId: current.organisationId,
      requesterOrganisationId: row.organisationId,
    });
    if (row.status !== 'open') throw new ConflictError('service-request-closed');
    if (current.withdrawnAt) throw new ConflictError('service-quote-withdrawn');
    const [q] = await tx
      .update(serviceQuotes)
      .set({ withdrawnAt: deps.now?.() ?? new Date() })
      .where(eq(serviceQuotes.id, quoteId))
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'service-request.quote-withdrawn',
      objectType: 'service_request',
      objectId: requestId,
      after: { quoteId },
      requestId: httpRequestId,
    });
    const data = { requestId, quoteId, offeringId: q!.offeringId };
    await notifyInTx(tx, [
      {
        recipient: { organisationId: row.organisationId },
        kind: 'service-request.quote-withdrawn',
        title: `服务报价已撤回：${row.title}`,
        data,
        dedupKey: `service-quote:${quoteId}:withdrawn`,
      },
    ]);
    await requestChanged(tx, requestId, 'quote-withdrawn', [row.organisationId, q!.organisationId]);
    await emitEventInTx(tx, {
      type: 'service-request.quote-withdrawn',
      subjectId: requestId,
      organisationIds: [row.organisationId, q!.organisationId],
      data,
    });
    return q!;
  });
  deps.outbox.kick();
  return quoteView(quote);
}

/** The requester closes its open request: no more quotes, and none of them can be accepted. */
export async function closeRequest(
  deps: ServiceDeps,
  p: Principal | undefined,
  requestId: string,
  httpRequestId?: string,
) {
  const row = await deps.db.transaction(async (tx) => {
    const current = await findRequest(tx, requestId, true);
    authorize(p, 'service-request.close', await refOf(tx, p, current));
    if (current.status !== 'open') throw new ConflictError('service-request-closed');
    const [row] = await tx
      .update(r)
      .set({ status: 'closed', updatedAt: sql`now()` })
      .where(eq(r.id, requestId))
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'service-request.closed',
      objectType: 'service_request',
      objectId: requestId,
      before: { status: current.status },
      after: { status: 'closed' },
      requestId: httpRequestId,
    });
    const quoters = await quotingOrganisations(tx, requestId);
    await requestChanged(tx, requestId, 'closed', [current.organisationId, ...quoters]);
    await emitEventInTx(tx, {
      type: 'service-request.closed',
      subjectId: requestId,
      organisationIds: [current.organisationId, ...quoters],
      data: { requestId },
    });
    return row!;
  });
  deps.outbox.kick();
  return requestView(row);
}
