/**
 * Interests (合作意向): an organisation's interest in an achievement, answered by its owner and
 * carried through negotiation to a deal. Each step is also kept in `interest_events`, the
 * interest's own history (the audit trail records the same steps for the platform).
 */
import { sql } from 'drizzle-orm';
import {
  check,
  foreignKey,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { historyTable } from '../../platform/history.js';
import { catalogListings } from '../catalog/schema.js';
import { organisations } from '../identity/schema.js';
import type { Action, Status } from './lifecycle.js';

const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const interests = pgTable(
  'interests',
  {
    id: uuid('id').primaryKey(),
    /** The achievement (a catalog listing id) and, copied at creation, its owner and title. */
    achievementId: uuid('achievement_id').notNull(),
    ownerOrganisationId: uuid('owner_organisation_id').notNull(),
    achievementTitle: text('achievement_title').notNull(),
    /** The interested organisation (意向方) and, optionally, the need of its own it is for. */
    interestedOrganisationId: uuid('interested_organisation_id').notNull(),
    needId: uuid('need_id'),
    message: text('message').notNull(),
    /** The interested party's contact person: { name, phone?, email? } with phone and e-mail encrypted. */
    contact: jsonb('contact').notNull(),
    status: text('status').$type<Status>().notNull().default('pending'),
    /**
     * Where the interest came from, when from a match list (撮合结果): { kind: 'match', needId? |
     * achievementId? (whose list; neither for an ad-hoc query), rank, rankingVersion }. Null: not
     * from a match. Feeds the operators' matching quality report.
     */
    origin: jsonb('origin'),
    /** Declined: { code, text? }. */
    declineReason: jsonb('decline_reason'),
    /** The registered technology contract the deal was concluded with. */
    contractId: uuid('contract_id'),
    /** Who expressed the interest (a person or a client id): the NDA is accepted in their name. */
    createdBy: text('created_by').notNull(),
    createdByKind: text('created_by_kind').notNull(),
    /** When the owner accepted: contacts are released to each side from then on. */
    acceptedAt: tstz('accepted_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // One open interest per (organisation, achievement); a finished one does not block a new one.
    uniqueIndex('interests_open_key')
      .on(t.interestedOrganisationId, t.achievementId)
      .where(sql`status IN ('pending', 'accepted', 'negotiating')`),
    index('interests_interested_idx').on(t.interestedOrganisationId, t.id),
    index('interests_owner_idx').on(t.ownerOrganisationId, t.id),
    // the matching quality report reads interests from matches by creation month
    index('interests_origin_created_idx').on(t.createdAt).where(sql`origin IS NOT NULL`),
    check(
      'interests_status_check',
      sql`status IN ('pending','accepted','declined','negotiating','deal','withdrawn','closed')`,
    ),
    foreignKey({
      name: 'interests_achievement_id_fkey',
      columns: [t.achievementId],
      foreignColumns: [catalogListings.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'interests_owner_organisation_id_fkey',
      columns: [t.ownerOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'interests_interested_organisation_id_fkey',
      columns: [t.interestedOrganisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
    foreignKey({
      name: 'interests_need_id_fkey',
      columns: [t.needId],
      foreignColumns: [catalogListings.id],
    }).onDelete('set null'),
  ],
);

/** Every step of an interest, oldest first by id (UUIDv7). */
export const interestEvents = historyTable<Action | 'created' | 'link-contract'>(
  'interest_events',
  'interest_id',
  interests.id,
);
