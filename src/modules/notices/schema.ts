/**
 * 协议定价公示 (public notice of negotiated pricing): before a state-funded organisation
 * (university, institute) concludes a negotiated transfer, the exchange publishes the
 * achievement, the price and the counterparty for the period the organisation's policy sets.
 * Anyone may object during it; the owner answers each objection once.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { catalogListings } from '../catalog/schema.js';
import { organisations } from '../identity/schema.js';
import type { DayKind, Mode } from './rules.js';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const priceNotices = pgTable(
  'price_notices',
  {
    id: uuid('id').primaryKey(),
    /** The state-funded owner (seller) and, copied at publication, the achievement's title. */
    organisationId: uuid('organisation_id').notNull(),
    achievementId: uuid('achievement_id').notNull(),
    achievementTitle: text('achievement_title').notNull(),
    /** transfer (转让) / licence (许可) / equity (作价投资). */
    mode: text('mode').$type<Mode>().notNull(),
    priceFen: bigint('price_fen', { mode: 'number' }).notNull(),
    /** The counterparty (受让方): an organisation's name and, if domestic, its credit code. */
    counterpartyName: text('counterparty_name').notNull(),
    counterpartyCreditCode: text('counterparty_credit_code'),
    description: text('description'),
    /** The period as published: its length, its unit and when it ends (exclusive). */
    periodDays: integer('period_days').notNull(),
    dayKind: text('day_kind').$type<DayKind>().notNull(),
    startsAt: tstz('starts_at').notNull(),
    endsAt: tstz('ends_at').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /** Withdrawn by the owner during the period (撤回): it then never clears the gate. */
    withdrawnAt: tstz('withdrawn_at'),
    withdrawnBy: text('withdrawn_by'),
    withdrawReason: text('withdraw_reason'),
  },
  (t) => [
    index('price_notices_achievement_idx').on(t.achievementId, t.id),
    index('price_notices_organisation_idx').on(t.organisationId, t.id),
    check('price_notices_mode_check', sql`mode IN ('transfer','licence','equity')`),
    check('price_notices_day_kind_check', sql`day_kind IN ('calendar','working')`),
    check('price_notices_price_check', sql`price_fen >= 0`),
    foreignKey({
      name: 'price_notices_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'price_notices_achievement_id_fkey',
      columns: [t.achievementId],
      foreignColumns: [catalogListings.id],
    }).onDelete('cascade'),
  ],
);

/** 异议: who objected (identified; the name is masked in public views), what, and the answer. */
export const priceNoticeObjections = pgTable(
  'price_notice_objections',
  {
    id: uuid('id').primaryKey(),
    noticeId: uuid('notice_id').notNull(),
    objectorKind: text('objector_kind').$type<'user' | 'client'>().notNull(),
    objectorId: text('objector_id').notNull(),
    objectorOrganisationId: uuid('objector_organisation_id'),
    /** The name the objector signs with: personal data, masked in public views. */
    objectorName: text('objector_name').notNull(),
    text: text('text').notNull(),
    answer: text('answer'),
    answeredBy: text('answered_by'),
    answeredAt: tstz('answered_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('price_notice_objections_notice_idx').on(t.noticeId, t.id),
    // One objection per person (or client) and notice.
    uniqueIndex('price_notice_objections_objector_key').on(t.noticeId, t.objectorKind, t.objectorId),
    foreignKey({
      name: 'price_notice_objections_notice_id_fkey',
      columns: [t.noticeId],
      foreignColumns: [priceNotices.id],
    }).onDelete('cascade'),
  ],
);

/** An organisation's own publicity period; none: the default (15 calendar days). */
export const priceNoticePolicies = pgTable(
  'price_notice_policies',
  {
    organisationId: uuid('organisation_id').primaryKey(),
    periodDays: integer('period_days').notNull(),
    dayKind: text('day_kind').$type<DayKind>().notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('price_notice_policies_days_check', sql`period_days BETWEEN 1 AND 90`),
    check('price_notice_policies_day_kind_check', sql`day_kind IN ('calendar','working')`),
    foreignKey({
      name: 'price_notice_policies_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('cascade'),
  ],
);
