/**
 * Technology managers (技术经理人): a registry of certified people, each employed by an
 * organisation, and the deals they brokered (named on an interest or a technology contract by
 * one of its parties). The contracts module's own `tech_manager_ids` (user accounts with the
 * tech_manager role) is untouched: this registry is the public, reviewed one.
 */
import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../identity/schema.js';
import type { Level } from './rules.js';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const technologyManagers = pgTable(
  'technology_managers',
  {
    id: uuid('id').primaryKey(),
    employerOrganisationId: uuid('employer_organisation_id').notNull(),
    name: text('name').notNull(),
    /** junior 初级, intermediate 中级, senior 高级. */
    level: text('level').$type<Level>().notNull(),
    /** Normalised (upper case, no spaces); unique across the registry. */
    certificateNo: text('certificate_no').notNull(),
    fields: text('fields').array().notNull().default(sql`'{}'::text[]`),
    bio: text('bio'),
    /** Personal data: encrypted (bound to the row id), shown in full to the employer and operators only. */
    phoneEnc: text('phone_enc'),
    emailEnc: text('email_enc'),
    status: text('status')
      .$type<'pending' | 'active' | 'rejected' | 'revoked'>()
      .notNull()
      .default('pending'),
    reviewReason: text('review_reason'),
    createdBy: text('created_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('technology_managers_certificate_no_key').on(t.certificateNo),
    index('technology_managers_employer_idx').on(t.employerOrganisationId, t.id),
    index('technology_managers_status_idx').on(t.status, t.id),
    check('technology_managers_level_check', sql`level IN ('junior','intermediate','senior')`),
    check('technology_managers_status_check', sql`status IN ('pending','active','rejected','revoked')`),
    foreignKey({
      name: 'technology_managers_employer_organisation_id_fkey',
      columns: [t.employerOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/** A manager named as broker (居间) on an interest, a technology contract or a service order, by one of its parties. */
export const technologyManagerBrokerages = pgTable(
  'technology_manager_brokerages',
  {
    id: uuid('id').primaryKey(),
    managerId: uuid('manager_id').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    namedByOrganisationId: uuid('named_by_organisation_id').notNull(),
    namedBy: text('named_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('technology_manager_brokerages_subject_key').on(t.subjectType, t.subjectId, t.managerId),
    index('technology_manager_brokerages_manager_idx').on(t.managerId, t.subjectType),
    check(
      'technology_manager_brokerages_subject_type_check',
      sql`subject_type IN ('interest','contract','service_order')`,
    ),
    foreignKey({
      name: 'technology_manager_brokerages_manager_id_fkey',
      columns: [t.managerId],
      foreignColumns: [technologyManagers.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'technology_manager_brokerages_named_by_organisation_id_fkey',
      columns: [t.namedByOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);
