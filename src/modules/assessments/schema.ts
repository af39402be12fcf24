/**
 * Results that travel with the achievement: 成果评价 (an expert panel's evaluation, with a level)
 * and 资产评估 (an appraised value, valid one year from its base date).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
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
  uuid,
} from 'drizzle-orm/pg-core';
import { catalogExperts, catalogListings } from '../catalog/schema.js';
import { organisations, users } from '../identity/schema.js';
import type { Level } from './rules.js';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

/** Experts of the directory enrolled as evaluators, with the account they score under. */
export const evaluationExperts = pgTable(
  'evaluation_experts',
  {
    expertId: uuid('expert_id').primaryKey(),
    userId: uuid('user_id').notNull(),
    enrolledBy: text('enrolled_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    foreignKey({
      name: 'evaluation_experts_expert_id_fkey',
      columns: [t.expertId],
      foreignColumns: [catalogExperts.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'evaluation_experts_user_id_fkey',
      columns: [t.userId],
      foreignColumns: [users.id],
    }).onDelete('cascade'),
  ],
);

export const achievementEvaluations = pgTable(
  'achievement_evaluations',
  {
    id: uuid('id').primaryKey(),
    achievementId: uuid('achievement_id').notNull(),
    ownerOrganisationId: uuid('owner_organisation_id').notNull(),
    buyerOrganisationId: uuid('buyer_organisation_id'),
    field: text('field').notNull(),
    status: text('status').$type<'scoring' | 'concluded'>().notNull().default('scoring'),
    /** Experts of the field left out for a conflict of interest: [{ expertId, reason }]. */
    conflicts: jsonb('conflicts').notNull().default(sql`'[]'::jsonb`),
    /** Concluded: the mean weighted score × 100, per-indicator means × 100, level and conclusion. */
    scoreX100: integer('score_x100'),
    indicatorMeansX100: jsonb('indicator_means_x100'),
    level: text('level').$type<Level>(),
    conclusion: text('conclusion'),
    requestedBy: text('requested_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    concludedAt: tstz('concluded_at'),
  },
  (t) => [
    index('achievement_evaluations_achievement_idx').on(t.achievementId, t.id),
    check('achievement_evaluations_status_check', sql`status IN ('scoring','concluded')`),
    foreignKey({
      name: 'achievement_evaluations_achievement_id_fkey',
      columns: [t.achievementId],
      foreignColumns: [catalogListings.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'achievement_evaluations_owner_organisation_id_fkey',
      columns: [t.ownerOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'achievement_evaluations_buyer_organisation_id_fkey',
      columns: [t.buyerOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('set null'),
  ],
);

/** A panel seat: the expert, the account they score under, and their scores once submitted. */
export const evaluationPanelMembers = pgTable(
  'evaluation_panel_members',
  {
    evaluationId: uuid('evaluation_id').notNull(),
    expertId: uuid('expert_id').notNull(),
    userId: uuid('user_id').notNull(),
    expertName: text('expert_name').notNull(),
    scores: jsonb('scores'),
    weightedX100: integer('weighted_x100'),
    comment: text('comment'),
    submittedAt: tstz('submitted_at'),
  },
  (t) => [
    primaryKey({ name: 'evaluation_panel_members_pk', columns: [t.evaluationId, t.expertId] }),
    index('evaluation_panel_members_user_idx').on(t.userId),
    foreignKey({
      name: 'evaluation_panel_members_evaluation_id_fkey',
      columns: [t.evaluationId],
      foreignColumns: [achievementEvaluations.id],
    }).onDelete('cascade'),
  ],
);

export const achievementValuations = pgTable(
  'achievement_valuations',
  {
    id: uuid('id').primaryKey(),
    achievementId: uuid('achievement_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    /** income (收益法) / market (市场法) / cost (成本法). */
    method: text('method').$type<'income' | 'market' | 'cost'>().notNull(),
    /** A value, or a range (min ≤ max), in fen. */
    valueFen: bigint('value_fen', { mode: 'number' }),
    minFen: bigint('min_fen', { mode: 'number' }),
    maxFen: bigint('max_fen', { mode: 'number' }),
    baseDate: date('base_date', { mode: 'string' }).notNull(),
    /** The last day of validity: the day before the base date's anniversary. */
    validUntil: date('valid_until', { mode: 'string' }).notNull(),
    reportSha256: text('report_sha256').notNull(),
    appraiser: text('appraiser'),
    createdBy: text('created_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('achievement_valuations_achievement_idx').on(t.achievementId, t.id),
    check('achievement_valuations_method_check', sql`method IN ('income','market','cost')`),
    check(
      'achievement_valuations_value_check',
      sql`(value_fen IS NOT NULL AND min_fen IS NULL AND max_fen IS NULL) OR (value_fen IS NULL AND min_fen IS NOT NULL AND max_fen IS NOT NULL AND min_fen <= max_fen)`,
    ),
    foreignKey({
      name: 'achievement_valuations_achievement_id_fkey',
      columns: [t.achievementId],
      foreignColumns: [catalogListings.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'achievement_valuations_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);
