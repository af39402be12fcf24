import { historyView } from '../../platform/history.js';
import type { Schema } from '../../platform/http/operations.js';
import { type Contact, type ContactKey, maskContact, openContact } from './contacts.js';
import type { interestEvents, interests } from './schema.js';

export type InterestRow = typeof interests.$inferSelect;
export type InterestEventRow = typeof interestEvents.$inferSelect;

/** What lists show: no message, no contacts (personal data never appears in lists). */
export function toSummary(r: InterestRow): Schema<'Interest'> {
  return {
    id: r.id,
    achievementId: r.achievementId,
    achievementTitle: r.achievementTitle,
    ownerOrganisationId: r.ownerOrganisationId,
    interestedOrganisationId: r.interestedOrganisationId,
    needId: r.needId,
    origin: (r.origin as Schema<'InterestOrigin'> | null) ?? null, // validated on create
    status: r.status,
    declineReason: (r.declineReason as Schema<'InterestDeclineReason'> | null) ?? null,
    contractId: r.contractId,
    acceptedAt: r.acceptedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/**
 * One interest as a caller sees it. Each side always sees its own contact in full (the interested
 * side the contact person it submitted, the owner its achievement's contacts). The counter-party's
 * contacts are released once the owner accepted. Everyone else (operators) sees phones and
 * e-mails masked.
 */
export function toDetail(
  r: InterestRow,
  events: InterestEventRow[],
  achievementContacts: Contact[],
  viewer: { interested: boolean; owner: boolean },
  key: ContactKey,
): Schema<'InterestDetail'> {
  const released = r.acceptedAt !== null;
  const interestedContact = openContact(key, r.id, r.contact);
  return {
    ...toSummary(r),
    message: r.message,
    contactsReleased: released,
    contacts: {
      achievement: achievementContacts.map((c) =>
        viewer.owner || (released && viewer.interested) ? c : maskContact(c),
      ),
      interested:
        viewer.interested || (released && viewer.owner) ? interestedContact : maskContact(interestedContact),
    },
    history: events.map(historyView),
  };
}
