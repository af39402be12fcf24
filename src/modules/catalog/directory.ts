import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import { type DbOrTx, isForeignKeyViolation } from '../../platform/db.js';
import { NotFoundError, UnprocessableError } from '../../platform/errors.js';
import type { Schema } from '../../platform/http/operations.js';
import { newId } from '../../platform/ids.js';
import { enqueueInTx } from '../../platform/outbox.js';
import { clampLimit, type Page, paginate } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { maskContact } from '../identity/index.js';
import type { CatalogDeps } from './listings.js';
import type { FieldCode } from './model.js';
import { catalogExperts, catalogInstitutions } from './schema.js';

/** Experts (专家) and service institutions (服务机构): public directories kept by organisations. */
export interface ExpertInput {
  name: string;
  title?: string;
  organisationId?: string;
  fields: FieldCode[];
  expertise?: string[];
  bio?: string;
}
export interface InstitutionInput {
  organisationId?: string;
  name: string;
  kinds: Schema<'ServiceKind'>[];
  regionCode?: string;
  description?: string;
  services?: string[];
  contact?: { name: string; phone?: string; email?: string };
}

declare module '../../platform/queue.js' {
  interface QueueRegistry {
    /** An expert or institution was saved: the search index re-reads it (matching consumes it). */
    'catalog.directory-changed': { type: 'expert' | 'institution'; id: string };
  }
}

/** The directory's change hook, in the writer's transaction (job id: the outbox row's own). */
const directoryChanged = (db: DbOrTx, type: 'expert' | 'institution', id: string) =>
  enqueueInTx(db, 'catalog.directory-changed', { type, id });

type ExpertRow = typeof catalogExperts.$inferSelect;
type InstitutionRow = typeof catalogInstitutions.$inferSelect;

const stamp = (r: { createdAt: Date; updatedAt: Date }) => ({
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});
export const expertView = (r: ExpertRow): Schema<'Expert'> => ({
  id: r.id,
  name: r.name,
  // Null columns are absent from the view.
  ...(r.title === null ? {} : { title: r.title }),
  ...(r.organisationId === null ? {} : { organisationId: r.organisationId }),
  fields: r.fields,
  expertise: r.expertise,
  ...(r.bio === null ? {} : { bio: r.bio }),
  ...stamp(r),
});
/** Public: the contact's phone and e-mail are masked (personal data is never returned in full). */
export const institutionView = (r: InstitutionRow): Schema<'ServiceInstitution'> => {
  // Only upsertInstitution writes `contact`, from the validated input.
  const contact = r.contact as InstitutionInput['contact'] | null;
  return {
    id: r.id,
    organisationId: r.organisationId,
    name: r.name,
    kinds: r.kinds,
    ...(r.regionCode === null ? {} : { regionCode: r.regionCode }),
    ...(r.description === null ? {} : { description: r.description }),
    services: r.services,
    ...(contact ? { contact: maskContact(contact) } : {}),
    ...stamp(r),
  };
};

export async function insertExpert(db: DbOrTx, input: ExpertInput): Promise<ExpertRow> {
  const [row] = await db
    .insert(catalogExperts)
    .values({
      id: newId(),
      name: input.name,
      title: input.title ?? null,
      organisationId: input.organisationId ?? null,
      fields: input.fields,
      expertise: input.expertise ?? [],
      bio: input.bio ?? null,
    })
    .returning();
  await directoryChanged(db, 'expert', row!.id);
  return row!;
}

export async function createExpert(deps: CatalogDeps, p: Principal | undefined, input: ExpertInput) {
  authorize(p, 'directory.manage', { organisationId: input.organisationId ?? null });
  const view = await unknownOrgAs422(() =>
    deps.db.transaction(async (tx) => {
      const row = await insertExpert(tx, input);
      await recordAudit(tx, {
        actor: actorOf(p),
        action: 'expert.created',
        objectType: 'expert',
        objectId: row.id,
      });
      return expertView(row);
    }),
  );
  deps.outbox.kick(); // the search index hook
  return view;
}

export async function getExpert(deps: CatalogDeps, id: string) {
  const [row] = await deps.db.select().from(catalogExperts).where(eq(catalogExperts.id, id));
  if (!row) throw new NotFoundError();
  return expertView(row);
}

export async function listExperts(
  deps: CatalogDeps,
  q: { field?: string; organisationId?: string; cursor?: string; limit?: number },
): Promise<Page<Schema<'Expert'>>> {
  const after = deps.cursors.decode('catalog.experts', q.cursor) as [string, string] | undefined;
  const where: (SQL | undefined)[] = [];
  if (q.field) where.push(sql`${catalogExperts.fields} @> ARRAY[${q.field}]::text[]`);
  if (q.organisationId) where.push(eq(catalogExperts.organisationId, q.organisationId));
  if (after)
    where.push(
      sql`(${catalogExperts.updatedAt}, ${catalogExperts.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`,
    );
  const page = await paginate(
    deps.cursors,
    'catalog.experts',
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select({ row: catalogExperts, sk: sql<string>`${catalogExperts.updatedAt}::text` })
        .from(catalogExperts)
        .where(and(...where))
        .orderBy(desc(catalogExperts.updatedAt), desc(catalogExperts.id))
        .limit(n),
    (r) => [r.sk, r.row.id],
  );
  return { items: page.items.map((r) => expertView(r.row)), nextCursor: page.nextCursor };
}

/** One profile per organisation: created, or replaced in place. */
export async function upsertInstitution(db: DbOrTx, organisationId: string, input: InstitutionInput) {
  const values = {
    name: input.name,
    kinds: input.kinds,
    regionCode: input.regionCode ?? null,
    description: input.description ?? null,
    services: input.services ?? [],
    contact: input.contact ?? null,
  };
  const [row] = await db
    .insert(catalogInstitutions)
    .values({ id: newId(), organisationId, ...values })
    .onConflictDoUpdate({
      target: catalogInstitutions.organisationId,
      set: { ...values, updatedAt: sql`now()` },
    })
    .returning();
  await directoryChanged(db, 'institution', row!.id);
  return row!;
}

export async function putInstitution(deps: CatalogDeps, p: Principal | undefined, input: InstitutionInput) {
  const organisationId = input.organisationId ?? p?.organisationId;
  if (!organisationId) throw new UnprocessableError('catalog-organisation-required');
  authorize(p, 'directory.manage', { organisationId });
  const view = await unknownOrgAs422(() =>
    deps.db.transaction(async (tx) => {
      const row = await upsertInstitution(tx, organisationId, input);
      await recordAudit(tx, {
        actor: actorOf(p),
        action: 'institution.saved',
        objectType: 'institution',
        objectId: row.id,
        after: { kinds: row.kinds },
      });
      return institutionView(row);
    }),
  );
  deps.outbox.kick(); // the search index hook
  return view;
}

/** An organisation id that names no organisation is the caller's mistake, not a crash. */
async function unknownOrgAs422<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new UnprocessableError('catalog-unknown-organisation');
    throw err;
  }
}

export async function getInstitution(deps: CatalogDeps, id: string) {
  const [row] = await deps.db.select().from(catalogInstitutions).where(eq(catalogInstitutions.id, id));
  if (!row) throw new NotFoundError();
  return institutionView(row);
}

export async function listInstitutions(
  deps: CatalogDeps,
  q: { kind?: string; region?: string; cursor?: string; limit?: number },
): Promise<Page<Schema<'ServiceInstitution'>>> {
  const t = catalogInstitutions;
  const after = deps.cursors.decode('catalog.institutions', q.cursor) as [string, string] | undefined;
  const where: (SQL | undefined)[] = [];
  if (q.kind) where.push(sql`${t.kinds} @> ARRAY[${q.kind}]::text[]`);
  if (q.region) where.push(sql`${t.regionCode} LIKE ${`${q.region.replace(/0+$/, '')}%`}`);
  if (after) where.push(sql`(${t.updatedAt}, ${t.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const page = await paginate(
    deps.cursors,
    'catalog.institutions',
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select({ row: t, sk: sql<string>`${t.updatedAt}::text` })
        .from(t)
        .where(and(...where))
        .orderBy(desc(t.updatedAt), desc(t.id))
        .limit(n),
    (r) => [r.sk, r.row.id],
  );
  return { items: page.items.map((r) => institutionView(r.row)), nextCursor: page.nextCursor };
}
