/**
 * Financing (投融资): investor profiles of verified organisations, roadshows (路演) with the
 * achievements or projects presenting and the investors registered, and investment interests
 * (投资意向) that follow the interest lifecycle in tables of their own.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
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
import { historyTable } from '../../platform/history.js';
import { organisations } from '../identity/schema.js';

const tstz = (name: string) => timestamp(name, { withTimezone: true });
const fen = (name: string) => bigint(name, { mode: 'number' });

export const investorProfiles = pgTable(
  'investor_profiles',
  {
    organisationId: uuid('organisation_id').primaryKey(),
    stages: text('stages').array().notNull(),
    fields: text('fields').array().notNull(),
    ticketMinFen: fen('ticket_min_fen').notNull(),
    ticketMaxFen: fen('ticket_max_fen').notNull(),
    description: text('description'),
    updatedBy: text('updated_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('investor_profiles_ticket_check', sql`ticket_min_fen >= 0 AND ticket_min_fen <= ticket_max_fen`),
    foreignKey({
      name: 'investor_profiles_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

export const roadshows = pgTable(
  'roadshows',
  {
    id: uuid('id').primaryKey(),
    organiserOrganisationId: uuid('organiser_organisation_id').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    startsAt: tstz('starts_at').notNull(),
    endsAt: tstz('ends_at').notNull(),
    /** online, offline or hybrid; offline and hybrid have a place, online and hybrid a URL. */
    mode: text('mode').$type<'online' | 'offline' | 'hybrid'>().notNull(),
    place: text('place'),
    url: text('url'),
    fields: text('fields').array().notNull().default(sql`'{}'::text[]`),
    /** scheduled, or cancelled by the organiser before it started (rules.ts, ROADSHOW). */
    status: text('status').$type<'scheduled' | 'cancelled'>().notNull().default('scheduled'),
    cancelReason: text('cancel_reason'),
    cancelledAt: tstz('cancelled_at'),
    createdBy: text('created_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('roadshows_starts_idx').on(t.startsAt, t.id),
    check('roadshows_mode_check', sql`mode IN ('online','offline','hybrid')`),
    check('roadshows_status_check', sql`status IN ('scheduled','cancelled')`),
    check('roadshows_time_check', sql`starts_at < ends_at`),
    foreignKey({
      name: 'roadshows_organiser_organisation_id_fkey',
      columns: [t.organiserOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/** An achievement (or a project without one) presenting at a roadshow: its owner applies, the organiser decides. */
export const roadshowPresentations = pgTable(
  'roadshow_presentations',
  {
    id: uuid('id').primaryKey(),
    roadshowId: uuid('roadshow_id').notNull(),
    presenterOrganisationId: uuid('presenter_organisation_id').notNull(),
    achievementId: uuid('achievement_id'),
    title: text('title').notNull(),
    summary: text('summary'),
    /** The financing round sought (a STAGES code). */
    stage: text('stage').notNull(),
    askFen: fen('ask_fen'),
    fields: text('fields').array().notNull(),
    status: text('status').$type<'pending' | 'accepted' | 'declined'>().notNull().default('pending'),
    createdBy: text('created_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    decidedAt: tstz('decided_at'),
  },
  (t) => [
    index('roadshow_presentations_roadshow_idx').on(t.roadshowId, t.id),
    uniqueIndex('roadshow_presentations_achievement_key')
      .on(t.roadshowId, t.achievementId)
      .where(sql`achievement_id IS NOT NULL`),
    check('roadshow_presentations_status_check', sql`status IN ('pending','accepted','declined')`),
    foreignKey({
      name: 'roadshow_presentations_roadshow_id_fkey',
      columns: [t.roadshowId],
      foreignColumns: [roadshows.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'roadshow_presentations_presenter_organisation_id_fkey',
      columns: [t.presenterOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

export const roadshowInvestors = pgTable(
  'roadshow_investors',
  {
    roadshowId: uuid('roadshow_id').notNull(),
    investorOrganisationId: uuid('investor_organisation_id').notNull(),
    registeredBy: text('registered_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'roadshow_investors_pkey', columns: [t.roadshowId, t.investorOrganisationId] }),
    foreignKey({
      name: 'roadshow_investors_roadshow_id_fkey',
      columns: [t.roadshowId],
      foreignColumns: [roadshows.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'roadshow_investors_investor_organisation_id_fkey',
      columns: [t.investorOrganisationId],
      foreignColumns: [investorProfiles.organisationId],
    }).onDelete('restrict'),
  ],
);

/** An investor's interest in a presentation (投资意向): submitted → accepted | declined | withdrawn. */
export const investmentInterests = pgTable(
  'investment_interests',
  {
    id: uuid('id').primaryKey(),
    presentationId: uuid('presentation_id').notNull(),
    roadshowId: uuid('roadshow_id').notNull(),
    investorOrganisationId: uuid('investor_organisation_id').notNull(),
    ownerOrganisationId: uuid('owner_organisation_id').notNull(),
    message: text('message').notNull(),
    amountFen: fen('amount_fen'),
    /** { name, phoneEnc?, emailEnc? }: each side's contact person, encrypted; the owner's given on acceptance. */
    investorContact: jsonb('investor_contact').notNull(),
    ownerContact: jsonb('owner_contact'),
    status: text('status')
      .$type<'submitted' | 'accepted' | 'declined' | 'withdrawn'>()
      .notNull()
      .default('submitted'),
    declineReason: jsonb('decline_reason'),
    acceptedAt: tstz('accepted_at'),
    createdBy: text('created_by').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('investment_interests_open_key')
      .on(t.investorOrganisationId, t.presentationId)
      .where(sql`status IN ('submitted', 'accepted')`),
    index('investment_interests_investor_idx').on(t.investorOrganisationId, t.id),
    index('investment_interests_owner_idx').on(t.ownerOrganisationId, t.id),
    check(
      'investment_interests_status_check',
      sql`status IN ('submitted','accepted','declined','withdrawn')`,
    ),
    foreignKey({
      name: 'investment_interests_presentation_id_fkey',
      columns: [t.presentationId],
      foreignColumns: [roadshowPresentations.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'investment_interests_investor_organisation_id_fkey',
      columns: [t.investorOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'investment_interests_owner_organisation_id_fkey',
      columns: [t.ownerOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/** Every step of an investment interest, oldest first by id (UUIDv7). */
export const investmentInterestEvents = historyTable(
  'investment_interest_events',
  'interest_id',
  investmentInterests.id,
);
