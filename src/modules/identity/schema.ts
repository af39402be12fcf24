import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** Sub-centres (分中心) of the exchange: one per prefecture city, each a registration point. */
export const subCentres = pgTable('sub_centres', {
  id: uuid('id').primaryKey(),
  /** GB/T 2260 code of the registration point, e.g. 320100. */
  code: text('code').notNull().unique('sub_centres_code_key'),
  name: text('name').notNull(),
  /** Region codes (cities/counties) the sub-centre serves. */
  regionCodes: text('region_codes').array().notNull().default(sql`'{}'::text[]`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const ORGANISATION_TYPES = [
  'university',
  'institute',
  'enterprise',
  'transfer_institution',
  'service_institution',
  'investor',
  'partner_operator',
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

export const VERIFICATION_STATUSES = ['unverified', 'pending', 'verified', 'rejected'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export const organisations = pgTable(
  'organisations',
  {
    id: uuid('id').primaryKey(),
    type: text('type', { enum: ORGANISATION_TYPES }).notNull(),
    name: text('name').notNull(),
    /** 统一社会信用代码, normalised; validated by its check character unless overridden. */
    creditCode: text('credit_code'),
    /** Set when a registrar accepted a code that fails its check character. */
    creditCodeOverride: jsonb('credit_code_override'),
    regionCode: text('region_code'),
    subCentreId: uuid('sub_centre_id'),
    /** Party nature code used in contract registration (e.g. 022 university). */
    partyNature: text('party_nature'),
    verificationStatus: text('verification_status', { enum: VERIFICATION_STATUSES })
      .notNull()
      .default('unverified'),
    verificationLevel: text('verification_level'),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('organisations_credit_code_key').on(t.creditCode).where(sql`credit_code IS NOT NULL`),
    index('organisations_sub_centre_idx').on(t.subCentreId),
    foreignKey({
      name: 'organisations_sub_centre_id_fkey',
      columns: [t.subCentreId],
      foreignColumns: [subCentres.id],
    }).onDelete('restrict'),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    email: text('email'),
    /** Keyed hash of the normalised mobile number (lookup), and the number encrypted. */
    mobileHash: text('mobile_hash'),
    mobileEnc: text('mobile_enc'),
    passwordHash: text('password_hash'),
    displayName: text('display_name').notNull(),
    /** Resident ID: keyed hash for uniqueness, encrypted value; never returned unmasked. */
    residentIdHash: text('resident_id_hash'),
    residentIdEnc: text('resident_id_enc'),
    realNameLevel: text('real_name_level').notNull().default('none'),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`).where(sql`email IS NOT NULL`),
    uniqueIndex('users_mobile_hash_key').on(t.mobileHash).where(sql`mobile_hash IS NOT NULL`),
    uniqueIndex('users_resident_id_hash_key').on(t.residentIdHash).where(sql`resident_id_hash IS NOT NULL`),
  ],
);

export const MEMBERSHIP_ROLES = ['org_admin', 'org_member'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

export const memberships = pgTable(
  'memberships',
  {
    userId: uuid('user_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    role: text('role', { enum: MEMBERSHIP_ROLES }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'memberships_pk', columns: [t.userId, t.organisationId] }),
    index('memberships_org_idx').on(t.organisationId),
    foreignKey({
      name: 'memberships_user_id_fkey',
      columns: [t.userId],
      foreignColumns: [users.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'memberships_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('cascade'),
  ],
);

/** Platform roles held by a person, independent of organisation membership. */
export const PLATFORM_ROLES = ['operator', 'registrar', 'tech_manager'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

export const userRoles = pgTable(
  'user_roles',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    role: text('role', { enum: PLATFORM_ROLES }).notNull(),
    /** For registrars: the sub-centre they serve. */
    subCentreId: uuid('sub_centre_id'),
    /** For technology managers (技术经理人): certificate number. */
    certificateNo: text('certificate_no'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('user_roles_unique_key').on(t.userId, t.role, sql`coalesce(${t.subCentreId}::text, '')`),
    check('user_roles_registrar_has_sub_centre', sql`role <> 'registrar' OR sub_centre_id IS NOT NULL`),
    foreignKey({ name: 'user_roles_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }).onDelete(
      'cascade',
    ),
    foreignKey({
      name: 'user_roles_sub_centre_id_fkey',
      columns: [t.subCentreId],
      foreignColumns: [subCentres.id],
    }).onDelete('cascade'),
  ],
);

/**
 * Token signing keys, generated at first start and rotated with overlap: a retired key stays
 * published in the JWKS until every token it signed has expired.
 */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  use: text('use').notNull(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  /** The private JWK, encrypted with a key derived from APP_SECRET. */
  privateJwkEnc: text('private_jwk_enc').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
  /** After this the key is no longer published (its tokens have expired). */
  expiresAt: timestamp('expires_at', { withTimezone: true }),
});

/**
 * One-time verification (一次认证) applications of organisations. An organisation has at most
 * one pending application; the decision is copied onto `organisations` and then travels in tokens.
 */
export const VERIFICATION_APPLICATION_STATUSES = ['pending', 'approved', 'rejected', 'superseded'] as const;
export type VerificationApplicationStatus = (typeof VERIFICATION_APPLICATION_STATUSES)[number];

export const organisationVerifications = pgTable(
  'organisation_verifications',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id').notNull(),
    /** The sub-centre whose registrars decide (the organisation's at the time of applying). */
    subCentreId: uuid('sub_centre_id').notNull(),
    status: text('status', { enum: VERIFICATION_APPLICATION_STATUSES }).notNull().default('pending'),
    creditCode: text('credit_code').notNull(),
    /** The code fails its check character: a registrar may only approve with a recorded reason. */
    creditCodeCheckFailed: boolean('credit_code_check_failed').notNull().default(false),
    legalRepresentative: text('legal_representative').notNull(),
    licenceSha256: text('licence_sha256').notNull(),
    appliedBy: uuid('applied_by'),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
    decidedBy: uuid('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    level: text('level'),
    reason: text('reason'),
  },
  (t) => [
    uniqueIndex('organisation_verifications_one_pending_key')
      .on(t.organisationId)
      .where(sql`status = 'pending'`),
    index('organisation_verifications_queue_idx').on(t.subCentreId, t.status, t.id),
    index('organisation_verifications_org_idx').on(t.organisationId, t.id),
    foreignKey({
      name: 'organisation_verifications_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'organisation_verifications_sub_centre_id_fkey',
      columns: [t.subCentreId],
      foreignColumns: [subCentres.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'organisation_verifications_applied_by_fkey',
      columns: [t.appliedBy],
      foreignColumns: [users.id],
    }).onDelete('set null'),
    foreignKey({
      name: 'organisation_verifications_decided_by_fkey',
      columns: [t.decidedBy],
      foreignColumns: [users.id],
    }).onDelete('set null'),
  ],
);

/**
 * Real-name applications (实名认证) of people. The resident ID is kept only as a keyed hash
 * (uniqueness) and encrypted; it is copied onto `users` when a registrar approves.
 */
export const realNameApplications = pgTable(
  'real_name_applications',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    status: text('status', { enum: VERIFICATION_APPLICATION_STATUSES }).notNull().default('pending'),
    legalNameEnc: text('legal_name_enc').notNull(),
    residentIdHash: text('resident_id_hash').notNull(),
    residentIdEnc: text('resident_id_enc').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
    decidedBy: uuid('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    level: text('level'),
    reason: text('reason'),
  },
  (t) => [
    uniqueIndex('real_name_applications_one_pending_key').on(t.userId).where(sql`status = 'pending'`),
    index('real_name_applications_status_idx').on(t.status, t.id),
    foreignKey({
      name: 'real_name_applications_user_id_fkey',
      columns: [t.userId],
      foreignColumns: [users.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'real_name_applications_decided_by_fkey',
      columns: [t.decidedBy],
      foreignColumns: [users.id],
    }).onDelete('set null'),
  ],
);
