import { and, eq, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize, check } from '../../platform/authz.js';
import { constraintOf, type Db, type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import {
  ConflictError,
  InvalidTransitionError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Lang } from '../../platform/messages.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import type { CursorCodec } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { findOrganisation } from '../identity/index.js';
import { recordChanges } from './changes.js';
import { type Duplicates, findDuplicates } from './duplicates.js';
import { EDITABLE_STATUSES, isPublic } from './lifecycle.js';
import { contentHash, type ListingKind, patentNumbersOf, validateListing } from './model.js';
import { memoized } from './queries.js';
import { catalogListings, catalogNdas } from './schema.js';
import { applyTransition, saveVersion, type TransitionInput } from './transitions.js';
import { columnsOf, type ListingRow, type ListingView, splitInput, toView, VIEW_COLUMNS } from './views.js';

const NONE: Duplicates = { warnings: [], count: 0 };

export interface CatalogDeps {
  db: Db;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  cursors: CursorCodec;
}

const prefixed = (errors: { field: string; message: string; code?: string }[]) =>
  errors.map((e) => ({ ...e, field: `body/${e.field}` }));

async function lockListing(tx: DbOrTx, kind: ListingKind, id: string): Promise<ListingRow> {
  const [row] = await tx
    .select()
    .from(catalogListings)
    .where(and(eq(catalogListings.id, id), eq(catalogListings.kind, kind)))
    .for('update');
  if (!row) throw new NotFoundError();
  return row;
}

/** The owner's sub-centre, whose registrars review the listing. */
/** Only the external-id key means "taken"; any other unique violation is a fault, not the caller's. */
const isExternalIdTaken = (err: unknown) =>
  isUniqueViolation(err) && constraintOf(err) === 'catalog_listings_external_key';

export async function ownerSubCentre(db: DbOrTx, organisationId: string): Promise<string | null> {
  const org = await findOrganisation(db, organisationId);
  if (!org) throw new UnprocessableError('catalog-unknown-organisation');
  return org.subCentreId;
}

export async function createListing(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  raw: unknown,
  opts: { lang: Lang; requestId?: string },
): Promise<{ listing: ListingView; duplicates: Duplicates }> {
  const organisationId = p?.organisationId;
  if (!organisationId) throw new UnprocessableError('catalog-organisation-required');
  authorize(p, 'listing.create', { organisationId });
  const v = validateListing(kind, raw, opts.lang);
  if (!v.ok) throw new ValidationError(prefixed(v.errors));
  const subCentreId = await ownerSubCentre(deps.db, organisationId);
  const { content, confidential } = splitInput(v.value);
  try {
    return await deps.db.transaction(async (tx) => {
      const patents = patentNumbersOf(v.value);
      const [duplicates = NONE] = await findDuplicates(tx, kind, organisationId, [
        { title: v.value.title, patentNumbers: patents },
      ]);
      const [row] = await tx
        .insert(catalogListings)
        .values({
          id: newId(),
          kind,
          organisationId,
          subCentreId,
          status: 'draft',
          externalId: v.value.externalId ?? null,
          sourceSystem: v.value.sourceSystem ?? null,
          ...columnsOf(kind, v.value),
          patentNumbers: patents,
          content,
          confidential,
          contentHash: contentHash(v.value),
        })
        .returning();
      await recordAudit(tx, {
        actor: actorOf(p),
        action: `${kind}.created`,
        objectType: kind,
        objectId: row!.id,
        after: { status: 'draft', contentHash: row!.contentHash, warnings: duplicates.count },
        requestId: opts.requestId,
      });
      return { listing: toView(row!, { confidential: true }), duplicates };
    });
  } catch (err) {
    if (isExternalIdTaken(err)) throw new ConflictError('catalog-external-id-taken');
    throw err;
  }
}

/** Replace a listing's content. A published listing stays published; the old content is kept. */
export async function updateListing(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  id: string,
  raw: unknown,
  opts: { lang: Lang; requestId?: string },
): Promise<{ listing: ListingView; duplicates: Duplicates }> {
  const v = validateListing(kind, raw, opts.lang);
  try {
    const result = await deps.db.transaction(async (tx) => {
      const row = await lockListing(tx, kind, id);
      authorize(p, 'listing.update', row);
      if (!(EDITABLE_STATUSES as readonly string[]).includes(row.status))
        throw new InvalidTransitionError(row.status, 'edit');
      if (!v.ok) throw new ValidationError(prefixed(v.errors));
      const hash = contentHash(v.value);
      if (hash === row.contentHash) return { listing: toView(row, { confidential: true }), duplicates: NONE };
      const patents = patentNumbersOf(v.value);
      const [duplicates = NONE] = await findDuplicates(tx, kind, row.organisationId, [
        { title: v.value.title, patentNumbers: patents, selfId: row.id },
      ]);
      if (row.publishedAt) await saveVersion(tx, row, actorOf(p));
      const { content, confidential } = splitInput(v.value);
      const [updated] = await tx
        .update(catalogListings)
        .set({
          ...columnsOf(kind, v.value),
          externalId: v.value.externalId ?? null,
          sourceSystem: v.value.sourceSystem ?? null,
          patentNumbers: patents,
          content,
          confidential,
          contentHash: hash,
          version: row.version + 1,
          updatedAt: sql`now()`,
        })
        .where(eq(catalogListings.id, row.id))
        .returning();
      await recordAudit(tx, {
        actor: actorOf(p),
        action: `${kind}.updated`,
        objectType: kind,
        objectId: row.id,
        before: { version: row.version, contentHash: row.contentHash },
        after: { version: updated!.version, contentHash: hash },
        requestId: opts.requestId,
      });
      if (isPublic(row.status))
        await recordChanges(tx, [
          { kind, listingId: row.id, change: 'updated', version: updated!.version, status: row.status },
        ]);
      return { listing: toView(updated!, { confidential: true }), duplicates };
    });
    deps.outbox.kick();
    return result;
  } catch (err) {
    if (isExternalIdTaken(err)) throw new ConflictError('catalog-external-id-taken');
    throw err;
  }
}

/**
 * The by-id read, the catalog's hottest query: built once per database handle and run as a
 * named prepared statement, so a request pays neither query building nor parsing and planning.
 */
function prepareGetListing(db: Db) {
  return db
    .select({ ...VIEW_COLUMNS, nda: catalogNdas.organisationId })
    .from(catalogListings)
    .leftJoin(
      catalogNdas,
      and(
        eq(catalogNdas.listingId, catalogListings.id),
        eq(catalogNdas.organisationId, sql`${sql.placeholder('org')}::uuid`),
      ),
    )
    .where(
      and(eq(catalogListings.id, sql.placeholder('id')), eq(catalogListings.kind, sql.placeholder('kind'))),
    )
    .prepare('catalog_get_listing');
}
const getListingStatements = new WeakMap<Db, ReturnType<typeof prepareGetListing>>();

/** One listing as the caller may see it: one query, the caller's NDA joined in. */
export async function getListing(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  id: string,
): Promise<ListingView> {
  const statement = memoized(getListingStatements, deps.db, () => prepareGetListing(deps.db));
  const [hit] = await statement.execute({ id, kind, org: p?.organisationId ?? null });
  // A listing the caller may not see does not exist for them, anonymous callers included.
  if (!hit || check(p, 'listing.read', hit) !== 'allow') throw new NotFoundError();
  const ndaAccepted = hit.nda !== null;
  const confidential = check(p, 'listing.confidential', { ...hit, ndaAccepted }) === 'allow';
  return toView(hit, { confidential, ndaAccepted });
}

export async function transitionListing(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  id: string,
  input: TransitionInput,
  requestId?: string,
): Promise<ListingView> {
  const row = await deps.db.transaction(async (tx) => {
    const current = await lockListing(tx, kind, id);
    authorize(p, 'listing.transition', { ...current, action: input.action });
    return applyTransition(tx, current, { ...input, mergedInto: undefined }, actorOf(p), requestId);
  });
  deps.outbox.kick();
  return toView(row, { confidential: true });
}

/** Record that the caller's (verified) organisation accepted this listing's NDA; audited. */
export async function acceptNda(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  id: string,
  requestId?: string,
): Promise<{ listingId: string; organisationId: string; acceptedAt: string }> {
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(catalogListings)
      .where(and(eq(catalogListings.id, id), eq(catalogListings.kind, kind)));
    if (!row) throw new NotFoundError();
    authorize(p, 'listing.nda', row);
    const organisationId = p!.organisationId!;
    await tx
      .insert(catalogNdas)
      .values({ listingId: id, organisationId, acceptedBy: p!.id })
      .onConflictDoNothing();
    const [nda] = await tx
      .select()
      .from(catalogNdas)
      .where(and(eq(catalogNdas.listingId, id), eq(catalogNdas.organisationId, organisationId)));
    await recordAudit(tx, {
      actor: actorOf(p),
      action: `${kind}.nda-accepted`,
      objectType: kind,
      objectId: id,
      after: { organisationId },
      requestId,
    });
    return { listingId: id, organisationId, acceptedAt: nda!.acceptedAt.toISOString() };
  });
}

/** Merge a duplicate into another listing: the duplicate is withdrawn and points at the survivor. */
export async function mergeListing(
  deps: CatalogDeps,
  p: Principal | undefined,
  kind: ListingKind,
  id: string,
  intoId: string,
  requestId?: string,
): Promise<ListingView> {
  const row = await deps.db.transaction(async (tx) => {
    // Lock both in id order so two opposite merges cannot deadlock.
    const [a, b] = [id, intoId].sort();
    const locked = [await lockListing(tx, kind, a!), await lockListing(tx, kind, b!)];
    const source = locked.find((r) => r.id === id)!;
    const target = locked.find((r) => r.id === intoId)!;
    authorize(p, 'listing.merge', source);
    if (id === intoId || target.mergedInto || target.status === 'withdrawn')
      throw new ConflictError('catalog-merge-target-invalid');
    return applyTransition(tx, source, { action: 'withdraw', mergedInto: target.id }, actorOf(p), requestId);
  });
  deps.outbox.kick();
  return toView(row, { confidential: true });
}
