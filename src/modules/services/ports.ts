import type { DbOrTx } from '../../platform/db.js';
import { findListingForInterest } from '../catalog/index.js';
import { currentCalendar, dueDateAfter, findContract } from '../contracts/index.js';
import { findOrganisation, findSubCentre } from '../identity/index.js';
import { findInterest } from '../interests/index.js';

/** What the services module needs of other modules, through their public faces only. */
export const organisationOf = findOrganisation;
export const subCentreOf = findSubCentre;

export type SubjectType = 'achievement' | 'need' | 'interest' | 'contract';

/** Does the organisation own (or take part in) this achievement, need, interest or contract? */
export async function ownsSubject(
  db: DbOrTx,
  organisationId: string,
  subject: { type: SubjectType; id: string },
): Promise<boolean> {
  if (subject.type === 'achievement' || subject.type === 'need') {
    const listing = await findListingForInterest(db, subject.type, subject.id);
    return listing?.organisationId === organisationId;
  }
  if (subject.type === 'contract') {
    const contract = await findContract(db, subject.id);
    return contract?.organisationId === organisationId;
  }
  const interest = await findInterest(db, subject.id).catch(() => undefined);
  return (
    interest?.interestedOrganisationId === organisationId || interest?.ownerOrganisationId === organisationId
  );
}

/** The China date `days` working days after `start`, on the holiday calendar in force. */
export async function dueDateFor(db: DbOrTx, start: Date, days: number): Promise<string> {
  return dueDateAfter(start, days, await currentCalendar(db)).dueDate;
}
