import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import type { MembershipRole, PlatformRole } from '../../platform/principal.js';
import { type Text, text } from '../../platform/statement.js';
import { memberships, type OrganisationType, organisations, subCentres, userRoles, users } from './schema.js';

export type Organisation = typeof organisations.$inferSelect;
export type User = typeof users.$inferSelect;
export type SubCentre = typeof subCentres.$inferSelect;

export async function insertSubCentre(
  db: DbOrTx,
  v: { code: string; name: string; regionCodes?: string[] },
): Promise<SubCentre> {
  const [row] = await db
    .insert(subCentres)
    .values({ id: newId(), code: v.code, name: v.name, regionCodes: v.regionCodes ?? [v.code] })
    .returning();
  return row!;
}

export async function findSubCentreByCode(db: DbOrTx, code: string): Promise<SubCentre | undefined> {
  const [row] = await db.select().from(subCentres).where(eq(subCentres.code, code));
  return row;
}

export async function findSubCentre(db: DbOrTx, id: string): Promise<SubCentre | undefined> {
  const [row] = await db.select().from(subCentres).where(eq(subCentres.id, id));
  return row;
}

export async function insertOrganisation(
  db: DbOrTx,
  v: {
    type: OrganisationType;
    name: string;
    creditCode?: string | null;
    regionCode?: string | null;
    subCentreId?: string | null;
    partyNature?: string | null;
  },
): Promise<Organisation> {
  const [row] = await db
    .insert(organisations)
    .values({ id: newId(), ...v })
    .returning();
  return row!;
}

export async function findOrganisation(db: DbOrTx, id: string): Promise<Organisation | undefined> {
  const [row] = await db.select().from(organisations).where(eq(organisations.id, id));
  return row;
}

/** An organisation and its registration point (sub-centre), in one round trip. */
export async function findOrganisationWithSubCentre(
  db: DbOrTx,
  id: string,
): Promise<{ organisation: Organisation; subCentre: SubCentre | null } | undefined> {
  const [row] = await db
    .select({ organisation: organisations, subCentre: subCentres })
    .from(organisations)
    .leftJoin(subCentres, eq(subCentres.id, organisations.subCentreId))
    .where(eq(organisations.id, id));
  return row;
}

/** By unified social credit code (统一社会信用代码), as stored (normalised). */
export async function findOrganisationByCreditCode(
  db: DbOrTx,
  creditCode: string,
): Promise<Organisation | undefined> {
  const [row] = await db.select().from(organisations).where(eq(organisations.creditCode, creditCode));
  return row;
}

/** Organisations of one type, oldest first (demo seeding of other modules). */
export async function findOrganisationsByType(
  db: DbOrTx,
  type: OrganisationType,
  limit: number,
): Promise<Organisation[]> {
  return db
    .select()
    .from(organisations)
    .where(eq(organisations.type, type))
    .orderBy(organisations.createdAt)
    .limit(limit);
}

/**
 * Ids of the verified organisations holding these unified social credit codes (统一社会信用代码),
 * for other modules addressing "the parties known to the exchange" (e.g. webhook audiences).
 * Verified only: an unverified organisation may have typed someone else's code.
 */
export async function findVerifiedOrganisationIdsByCreditCodes(
  db: DbOrTx,
  creditCodes: readonly string[],
): Promise<{ id: string; creditCode: string }[]> {
  const codes = [...new Set(creditCodes.filter((c) => c && !c.includes(':')))];
  if (codes.length === 0) return [];
  const rows = await db
    .select({ id: organisations.id, creditCode: organisations.creditCode })
    .from(organisations)
    .where(and(inArray(organisations.creditCode, codes), eq(organisations.verificationStatus, 'verified')));
  return rows.map((r) => ({ id: r.id, creditCode: r.creditCode! }));
}

/**
 * `findVerifiedOrganisationIdsByCreditCodes` as a scalar subquery of a caller's statement: the
 * ids (a JSON array) of the verified organisations whose code is one of `codes` (an SQL text
 * array; empty codes and foreign stand-ins with ':' match nothing, as there).
 */
export function verifiedOrganisationIdsSql(codes: SQL): SQL<string[]> {
  return sql<string[]>`(SELECT coalesce(json_agg(o.id), '[]'::json) FROM ${organisations} o
    WHERE o.credit_code = ANY(${codes}) AND o.credit_code <> '' AND strpos(o.credit_code, ':') = 0
      AND o.verification_status = 'verified')`;
}

/** An organisation's fields an applicant is checked on. */
export interface ApplicantOrganisation {
  id: string;
  verificationStatus: string;
  subCentreId: string | null;
  creditCode: string | null;
}

/**
 * `findOrganisation`'s fields of an applicant (`ApplicantOrganisation`) as a select of a
 * caller's statement written as text (platform/statement.ts): at most one row.
 */
export const applicantOrganisationText = (id: string): Text =>
  text`SELECT o.id, o.verification_status AS "verificationStatus", o.sub_centre_id AS "subCentreId",
      o.credit_code AS "creditCode" FROM organisations o WHERE o.id = ${id}::uuid`;

/** A sub-centre's code and name (JSON, null if none) as a scalar subquery of a caller's statement. */
export function subCentreSql(id: SQL): SQL<{ code: string; name: string } | null> {
  return sql<{ code: string; name: string } | null>`(SELECT json_build_object('code', s.code, 'name', s.name)
    FROM ${subCentres} s WHERE s.id = ${id})`;
}

/**
 * `findOrganisationWithSubCentre` (for several organisations) and
 * `findVerifiedOrganisationsByCreditCodes` in one round trip, for a hot path that needs both
 * (partners' submissions, taken in batches: each submitting organisation, its sub-centre, and the
 * verified organisations among the parties). An organisation that does not exist is not in
 * `organisations`; `verified` as `findVerifiedOrganisationsByCreditCodes` gives it.
 */
export async function findOrganisationsAndVerifiedParties(
  db: DbOrTx,
  ids: readonly string[],
  creditCodes: readonly string[],
): Promise<{
  organisations: Map<string, { creditCode: string | null; subCentre: { code: string; name: string } | null }>;
  verified: { id: string; name: string; creditCode: string; overridden: boolean }[];
}> {
  const codes = [...new Set(creditCodes.filter((c) => typeof c === 'string' && c !== ''))];
  const res = await db.execute<{
    organisations: {
      id: string;
      creditCode: string | null;
      subCode: string | null;
      subName: string | null;
    }[];
    verified: { id: string; name: string; creditCode: string; override: { code?: string } | null }[];
  }>(sql`
    SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('id', o.id, 'creditCode', o.credit_code,
                     'subCode', s.code, 'subName', s.name)), '[]'::jsonb)
              FROM organisations o LEFT JOIN sub_centres s ON s.id = o.sub_centre_id
             WHERE o.id IN (SELECT jsonb_array_elements_text(${JSON.stringify([...new Set(ids)])}::jsonb)::uuid))
             AS organisations,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'name', v.name,
                     'creditCode', v.credit_code, 'override', v.credit_code_override)), '[]'::jsonb)
              FROM organisations v
             WHERE v.credit_code IN (SELECT jsonb_array_elements_text(${JSON.stringify(codes)}::jsonb))
               AND v.verification_status = 'verified') AS verified`);
  const row = res.rows[0]!;
  return {
    organisations: new Map(
      row.organisations.map((o) => [
        o.id,
        {
          creditCode: o.creditCode,
          subCentre: o.subCode !== null && o.subName !== null ? { code: o.subCode, name: o.subName } : null,
        },
      ]),
    ),
    verified: row.verified.map((v) => ({
      id: v.id,
      name: v.name,
      creditCode: v.creditCode,
      overridden: v.override !== null && v.override?.code === v.creditCode,
    })),
  };
}

/**
 * The verified organisations holding these credit codes, with their names and whether the code
 * was accepted by a registrar's override (it fails its check character; the registrar recorded
 * a reason). For other modules that accept a party by code: an overridden code is valid where it
 * is that organisation's, and a party's name can be checked against the organisation's.
 */
export async function findVerifiedOrganisationsByCreditCodes(
  db: DbOrTx,
  creditCodes: readonly string[],
): Promise<{ id: string; name: string; creditCode: string; overridden: boolean }[]> {
  const codes = [...new Set(creditCodes.filter((c) => typeof c === 'string' && c !== ''))];
  if (codes.length === 0) return [];
  const rows = await db
    .select({
      id: organisations.id,
      name: organisations.name,
      creditCode: organisations.creditCode,
      override: organisations.creditCodeOverride,
    })
    .from(organisations)
    .where(and(inArray(organisations.creditCode, codes), eq(organisations.verificationStatus, 'verified')));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    creditCode: r.creditCode!,
    overridden: r.override !== null && (r.override as { code?: string }).code === r.creditCode,
  }));
}

export async function insertUser(
  db: DbOrTx,
  v: { displayName: string; email?: string | null; passwordHash?: string | null },
): Promise<User> {
  const [row] = await db
    .insert(users)
    .values({ id: newId(), ...v })
    .returning();
  return row!;
}

export async function addMembership(
  db: DbOrTx,
  userId: string,
  organisationId: string,
  role: MembershipRole,
) {
  await db
    .insert(memberships)
    .values({ userId, organisationId, role })
    .onConflictDoUpdate({ target: [memberships.userId, memberships.organisationId], set: { role } });
}

export async function grantRole(
  db: DbOrTx,
  userId: string,
  role: PlatformRole,
  opts: { subCentreId?: string; certificateNo?: string } = {},
) {
  await db
    .insert(userRoles)
    .values({
      id: newId(),
      userId,
      role,
      subCentreId: opts.subCentreId ?? null,
      certificateNo: opts.certificateNo ?? null,
    })
    .onConflictDoNothing();
}

/** Find an account by e-mail (case-insensitive); mobile look-ups go through the keyed hash. */
export async function findUserByEmail(db: DbOrTx, email: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
  return row;
}

export async function findUser(db: DbOrTx, id: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/** Which of these users hold a platform role (any scope). */
export async function usersWithRole(
  db: DbOrTx,
  role: PlatformRole,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ userId: userRoles.userId })
    .from(userRoles)
    .where(and(eq(userRoles.role, role), inArray(userRoles.userId, [...ids])));
  return new Set(rows.map((r) => r.userId));
}
