/**
 * Tables of technology contract registration (技术合同认定登记). Registered content is immutable:
 * a trigger (migration contracts_immutable) refuses any change to a registered or cancelled row
 * except cancellation and an approved amendment.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { organisations, subCentres } from '../identity/schema.js';
import type { ContractStatus, ContractType } from './rules.js';

const tstz = (name: string) => timestamp(name, { withTimezone: true });
const fen = (name: string) => bigint(name, { mode: 'number' });

export const technologyContracts = pgTable(
  'technology_contracts',
  {
    id: uuid('id').primaryKey(),
    /** The applying organisation (the seller side, or the domestic buyer of imported technology). */
    organisationId: uuid('organisation_id').notNull(),
    /** The registration point (登记机构): the applicant's sub-centre. */
    subCentreId: uuid('sub_centre_id').notNull(),
    status: text('status').$type<ContractStatus>().notNull().default('draft'),
    version: integer('version').notNull().default(1),
    type: text('type').$type<ContractType>().notNull(),
    subtype: text('subtype').notNull(),
    projectName: text('project_name').notNull(),
    signingDate: date('signing_date', { mode: 'string' }).notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validTo: date('valid_to', { mode: 'string' }).notNull(),
    technologyField: text('technology_field').notNull(),
    imported: boolean('imported').notNull().default(false),
    disputed: boolean('disputed').notNull().default(false),
    seller: jsonb('seller').notNull(),
    buyer: jsonb('buyer').notNull(),
    achievementIds: text('achievement_ids').array().notNull().default(sql`'{}'::text[]`),
    patentNumbers: text('patent_numbers').array().notNull().default(sql`'{}'::text[]`),
    /** Subtype details: IP registration numbers, licence type and term, investee, VAT relation. */
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    /** 合同成交额, 非技术性费用 and the derived 技术交易额, integer fen. */
    contractValueFen: fen('contract_value_fen').notNull(),
    nonTechnicalCostsFen: fen('non_technical_costs_fen').notNull(),
    transactionAmountFen: fen('transaction_amount_fen').generatedAlwaysAs(
      sql`contract_value_fen - non_technical_costs_fen`,
    ),
    /** 核定技术交易额: set by the registrar at registration when it differs. */
    determinedAmountFen: fen('determined_amount_fen'),
    determinationReason: text('determination_reason'),
    payment: jsonb('payment').notNull(),
    documentSha256: text('document_sha256').notNull(),
    transferInstitutionId: uuid('transfer_institution_id'),
    techManagerIds: uuid('tech_manager_ids').array().notNull().default(sql`'{}'::uuid[]`),
    createdBy: text('created_by').notNull(),
    submittedAt: tstz('submitted_at'),
    /** Last day of the review period (China date), from the latest (re)submission. */
    dueDate: date('due_date', { mode: 'string' }),
    /**
     * The due date counted days of a year the holiday calendar does not have (or has only
     * provisionally): a Monday–Friday guess, recomputed when an operator imports that year.
     */
    dueDateProvisional: boolean('due_date_provisional').notNull().default(false),
    reviewWorkingDays: integer('review_working_days'),
    reviewerId: text('reviewer_id'),
    reviewStartedAt: tstz('review_started_at'),
    returnReasons: jsonb('return_reasons'),
    returnedAt: tstz('returned_at'),
    refusalGround: text('refusal_ground'),
    refusalText: text('refusal_text'),
    refusedAt: tstz('refused_at'),
    registrationNumber: text('registration_number'),
    registrationYear: integer('registration_year'),
    registeredAt: tstz('registered_at'),
    registeredBy: text('registered_by'),
    cancelledAt: tstz('cancelled_at'),
    cancellationReason: text('cancellation_reason'),
    cancelledBy: text('cancelled_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('technology_contracts_registration_number_key')
      .on(t.registrationNumber)
      .where(sql`registration_number IS NOT NULL`),
    index('technology_contracts_org_idx').on(t.organisationId, t.id),
    index('technology_contracts_point_status_idx').on(t.subCentreId, t.status, t.id),
    index('technology_contracts_due_idx').on(t.dueDate).where(sql`status IN ('submitted', 'under_review')`),
    index('technology_contracts_year_idx').on(t.registrationYear, t.subCentreId),
    // The duplicate check (duplicates.ts, duplicateText) finds a live application by document
    // hash (this index) or by content: its party keys, amounts, type and subtype (the next one,
    // the very expressions the check compares, over live applications only; the project name is
    // compared on the few rows it finds, which keeps every entry far below btree's size limit).
    index('technology_contracts_document_idx').on(t.documentSha256),
    index('technology_contracts_duplicate_idx')
      .on(
        sql`(coalesce(nullif(seller->>'creditCode', ''), (seller->>'countryCode') || ':' || (seller->>'name')))`,
        sql`(coalesce(nullif(buyer->>'creditCode', ''), (buyer->>'countryCode') || ':' || (buyer->>'name')))`,
        t.contractValueFen,
        t.nonTechnicalCostsFen,
        t.type,
        t.subtype,
      )
      .where(sql`status NOT IN ('refused', 'cancelled')`),
    index('technology_contracts_institution_idx')
      .on(t.transferInstitutionId, t.registrationYear)
      .where(sql`transfer_institution_id IS NOT NULL`),
    check(
      'technology_contracts_status_check',
      sql`status IN ('draft','submitted','under_review','returned','registered','refused','cancelled')`,
    ),
    check(
      'technology_contracts_amounts_check',
      sql`contract_value_fen >= 0 AND non_technical_costs_fen >= 0 AND non_technical_costs_fen <= contract_value_fen`,
    ),
    check(
      'technology_contracts_determined_check',
      sql`determined_amount_fen IS NULL OR (determined_amount_fen >= 0 AND determined_amount_fen <= contract_value_fen)`,
    ),
    check(
      'technology_contracts_registered_check',
      sql`status NOT IN ('registered','cancelled') OR (registration_number IS NOT NULL AND registered_at IS NOT NULL)`,
    ),
    foreignKey({
      name: 'technology_contracts_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'technology_contracts_sub_centre_id_fkey',
      columns: [t.subCentreId],
      foreignColumns: [subCentres.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'technology_contracts_transfer_institution_id_fkey',
      columns: [t.transferInstitutionId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/**
 * One row per (registration point, year): the last serial handed out. Incremented with
 * UPDATE … RETURNING in the registering transaction, so a rollback returns the number and the
 * series has no gaps (a sequence would leave one).
 */
export const contractRegistrationCounters = pgTable(
  'contract_registration_counters',
  {
    subCentreId: uuid('sub_centre_id').notNull(),
    year: integer('year').notNull(),
    lastSerial: integer('last_serial').notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'contract_registration_counters_pk', columns: [t.subCentreId, t.year] }),
    foreignKey({
      name: 'contract_registration_counters_sub_centre_id_fkey',
      columns: [t.subCentreId],
      foreignColumns: [subCentres.id],
    }).onDelete('restrict'),
  ],
);

/** Amendment requests to registered contracts (变更): the registrar approves a new version. */
export const contractAmendments = pgTable(
  'contract_amendments',
  {
    id: uuid('id').primaryKey(),
    contractId: uuid('contract_id').notNull(),
    status: text('status').$type<'pending' | 'approved' | 'rejected'>().notNull().default('pending'),
    fromVersion: integer('from_version').notNull(),
    changes: jsonb('changes').notNull(),
    reason: text('reason').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAt: tstz('requested_at').notNull().defaultNow(),
    decidedBy: text('decided_by'),
    decidedAt: tstz('decided_at'),
    decisionNote: text('decision_note'),
  },
  (t) => [
    index('contract_amendments_contract_idx').on(t.contractId, t.id),
    check('contract_amendments_status_check', sql`status IN ('pending','approved','rejected')`),
    foreignKey({
      name: 'contract_amendments_contract_id_fkey',
      columns: [t.contractId],
      foreignColumns: [technologyContracts.id],
    }).onDelete('restrict'),
  ],
);

/** Every registered version's content, append-only (the trigger of contracts_immutable). */
export const contractVersions = pgTable(
  'contract_versions',
  {
    contractId: uuid('contract_id').notNull(),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').notNull(),
    amendmentId: uuid('amendment_id'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'contract_versions_pk', columns: [t.contractId, t.version] }),
    foreignKey({
      name: 'contract_versions_contract_id_fkey',
      columns: [t.contractId],
      foreignColumns: [technologyContracts.id],
    }).onDelete('restrict'),
  ],
);

/**
 * Holiday calendar years imported by operators (`techex admin calendar import`, the admin
 * endpoint) on top of holidays.json: the State Council's notice for a year comes out in the
 * November before it, after the release. A row here overrides the same year in the file.
 */
export const holidayCalendarYears = pgTable('holiday_calendar_years', {
  year: integer('year').primaryKey(),
  source: text('source').notNull(),
  provisional: boolean('provisional').notNull(),
  holidays: jsonb('holidays').notNull(),
  workdays: jsonb('workdays').notNull(),
  importedBy: text('imported_by').notNull(),
  importedAt: tstz('imported_at').notNull().defaultNow(),
});
