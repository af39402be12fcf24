import { and, asc, eq, gt, inArray, or, type SQL, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize, can, check } from '../../platform/authz.js';
import { constraintOf, type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import { isOperator } from '../../platform/principal.js';
import { isValidPartyNatureCode, isValidRegionCode, validateCreditCode } from './identifiers.js';
import './policies.js';
import { findSubCentreByCode, type Organisation, type SubCentre } from './repository.js';
import {
  memberships,
  type OrganisationType,
  organisations,
  organisationVerifications,
  subCentres,
  type VerificationStatus,
} from './schema.js';
import { type Caller, fieldError, type IdentityDeps, identifierError, likePattern } from './service.js';

type OrgRow = Organisation & { subCentre: Pick<SubCentre, 'id' | 'code' | 'name'> | null };

/** The public profile (name, type, region, verification) or, for insiders, every field. */
export function organisationView(caller: Caller, o: OrgRow) {
  const base = {
    id: o.id,
    type: o.type,
    name: o.name,
    regionCode: o.regionCode,
    verificationStatus: o.verificationStatus,
    verificationLevel: o.verificationLevel,
    verifiedAt: o.verifiedAt?.toISOString() ?? null,
  };
  if (!can(caller.principal, 'organisation.read_full', o)) return base;
  return {
    ...base,
    creditCode: o.creditCode,
    creditCodeOverride: o.creditCodeOverride as Record<string, string> | null,
    subCentre: o.subCentre,
    partyNature: o.partyNature,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

const orgColumns = {
  org: organisations,
  sc: { id: subCentres.id, code: subCentres.code, name: subCentres.name },
};

async function loadOrg(db: DbOrTx, id: string, lock = false): Promise<OrgRow> {
  const q = db
    .select(orgColumns)
    .from(organisations)
    .leftJoin(subCentres, eq(subCentres.id, organisations.subCentreId))
    .where(eq(organisations.id, id));
  const [row] = lock ? await q.for('update', { of: organisations }) : await q;
  if (!row) throw new NotFoundError();
  return { ...row.org, subCentre: row.sc };
}

/** Loads an organisation and checks the caller may do `action` on it (404 when hidden). */
export async function authorizedOrg(db: DbOrTx, caller: Caller, id: string, action: string, lock = false) {
  const org = await loadOrg(db, id, lock);
  // Hidden means hidden, to anonymous callers of public routes too (404, not 401).
  if (check(caller.principal, action, org) === 'hide') throw new NotFoundError();
  authorize(caller.principal, action, org);
  return org;
}

function checkedCreditCode(input: string, caller: Caller): string {
  const r = validateCreditCode(input);
  if (!r.ok) throw identifierError('body/creditCode', 'credit-code', r, caller.lang);
  return r.value;
}

function checkRegionAndNature(v: { regionCode?: string; partyNature?: string }, caller: Caller) {
  if (v.regionCode !== undefined && !isValidRegionCode(v.regionCode))
    throw fieldError(
      'body/regionCode',
      'region-code',
      { 'zh-CN': '行政区划代码不正确', en: 'not a GB/T 2260 region code' },
      caller.lang,
    );
  if (v.partyNature !== undefined && !isValidPartyNatureCode(v.partyNature))
    throw fieldError(
      'body/partyNature',
      'party-nature',
      { 'zh-CN': '单位性质代码不正确', en: 'unknown party nature code' },
      caller.lang,
    );
}

function translateUnique(err: unknown): never {
  if (isUniqueViolation(err) && constraintOf(err) === 'organisations_credit_code_key')
    throw new ConflictError('credit-code-taken');
  throw err;
}

export interface OrganisationInput {
  type: OrganisationType;
  name: string;
  creditCode?: string;
  regionCode: string;
  subCentreCode?: string;
  partyNature?: string;
}

export async function registerOrganisation(deps: IdentityDeps, caller: Caller, input: OrganisationInput) {
  authorize(caller.principal, 'organisation.register', null);
  const creditCode = input.creditCode === undefined ? null : checkedCreditCode(input.creditCode, caller);
  checkRegionAndNature(input, caller);
  // The sub-centre named, else the one of the region's prefecture city (320505 → 320500).
  const scCode = input.subCentreCode ?? `${input.regionCode.slice(0, 4)}00`;
  const sc = await findSubCentreByCode(deps.db, scCode);
  if (input.subCentreCode && !sc)
    throw fieldError(
      'body/subCentreCode',
      'unknown-sub-centre',
      { 'zh-CN': '没有该分中心', en: 'no such sub-centre' },
      caller.lang,
    );
  const id = newId();
  await deps.db
    .transaction(async (tx) => {
      const [org] = await tx
        .insert(organisations)
        .values({
          id,
          type: input.type,
          name: input.name.trim(),
          creditCode,
          regionCode: input.regionCode,
          subCentreId: sc?.id ?? null,
          partyNature: input.partyNature ?? null,
        })
        .returning();
      await tx
        .insert(memberships)
        .values({ userId: caller.principal!.id, organisationId: id, role: 'org_admin' });
      await recordAudit(tx, {
        actor: actorOf(caller.principal),
        action: 'organisation.register',
        objectType: 'organisation',
        objectId: id,
        after: { ...org, adminUserId: caller.principal!.id },
        requestId: caller.requestId,
      });
    })
    .catch(translateUnique);
  // The caller is its admin now, but their token predates it: show what an admin will see.
  const org = await loadOrg(deps.db, id);
  return organisationView(
    { ...caller, principal: { ...caller.principal!, organisationId: id, orgRole: 'org_admin' } },
    org,
  );
}

export async function getOrganisation(deps: IdentityDeps, caller: Caller, id: string) {
  return organisationView(caller, await authorizedOrg(deps.db, caller, id, 'organisation.read'));
}

export interface OrganisationPatch {
  name?: string;
  creditCode?: string;
  regionCode?: string;
  partyNature?: string;
}

/** A change of a key fact (name, credit code) sends the organisation back to verification. */
export async function updateOrganisation(
  deps: IdentityDeps,
  caller: Caller,
  id: string,
  patch: OrganisationPatch,
) {
  checkRegionAndNature(patch, caller);
  await deps.db
    .transaction(async (tx) => {
      const before = await authorizedOrg(tx, caller, id, 'organisation.update', true);
      const creditCode =
        patch.creditCode === undefined ? undefined : checkedCreditCode(patch.creditCode, caller);
      const name = patch.name?.trim();
      const nameChanged = name !== undefined && name !== before.name;
      const codeChanged = creditCode !== undefined && creditCode !== before.creditCode;
      const reset = (nameChanged || codeChanged) && before.verificationStatus !== 'unverified';
      const [after] = await tx
        .update(organisations)
        .set({
          ...(name !== undefined ? { name } : {}),
          ...(creditCode !== undefined ? { creditCode } : {}),
          ...(codeChanged ? { creditCodeOverride: null } : {}),
          ...(patch.regionCode !== undefined ? { regionCode: patch.regionCode } : {}),
          ...(patch.partyNature !== undefined ? { partyNature: patch.partyNature } : {}),
          ...(reset
            ? { verificationStatus: 'unverified' as const, verificationLevel: null, verifiedAt: null }
            : {}),
          updatedAt: new Date(),
        })
        .where(eq(organisations.id, id))
        .returning();
      if (reset) {
        // A pending application was about the old facts: it can no longer be decided.
        await tx
          .update(organisationVerifications)
          .set({ status: 'superseded' })
          .where(
            and(
              eq(organisationVerifications.organisationId, id),
              eq(organisationVerifications.status, 'pending'),
            ),
          );
      }
      const { subCentre: _, ...plainBefore } = before;
      await recordAudit(tx, {
        actor: actorOf(caller.principal),
        action: reset ? 'organisation.update.verification_reset' : 'organisation.update',
        objectType: 'organisation',
        objectId: id,
        before: plainBefore,
        after,
        requestId: caller.requestId,
      });
    })
    .catch(translateUnique);
  return organisationView(caller, await loadOrg(deps.db, id));
}

export interface OrganisationFilter {
  cursor?: string;
  limit?: number;
  type?: OrganisationType;
  regionCode?: string;
  subCentreCode?: string;
  verificationStatus?: VerificationStatus;
  q?: string;
}

/** Operators see all; registrars their sub-centres' and verified ones; others verified ones (and their own). */
export async function listOrganisations(deps: IdentityDeps, caller: Caller, f: OrganisationFilter) {
  const p = caller.principal;
  const where: (SQL | undefined)[] = [];
  if (!isOperator(p)) {
    where.push(
      or(
        eq(organisations.verificationStatus, 'verified'),
        p?.organisationId ? eq(organisations.id, p.organisationId) : undefined,
        p?.registrarSubCentres.length
          ? inArray(organisations.subCentreId, [...p.registrarSubCentres])
          : undefined,
      ),
    );
  }
  if (f.type) where.push(eq(organisations.type, f.type));
  if (f.regionCode) where.push(eq(organisations.regionCode, f.regionCode));
  if (f.subCentreCode) where.push(eq(subCentres.code, f.subCentreCode));
  if (f.verificationStatus) where.push(eq(organisations.verificationStatus, f.verificationStatus));
  if (f.q) where.push(sql`${organisations.name} ILIKE ${likePattern(f.q)}`);
  const after = deps.cursors.decode('organisations', f.cursor);
  if (after) where.push(gt(organisations.id, String(after[0])));
  const page = await paginate(
    deps.cursors,
    'organisations',
    clampLimit(f.limit),
    (n) =>
      deps.db
        .select(orgColumns)
        .from(organisations)
        .leftJoin(subCentres, eq(subCentres.id, organisations.subCentreId))
        .where(and(...where))
        .orderBy(asc(organisations.id))
        .limit(n),
    (r) => [r.org.id],
  );
  return {
    items: page.items.map((r) => organisationView(caller, { ...r.org, subCentre: r.sc })),
    nextCursor: page.nextCursor,
  };
}
