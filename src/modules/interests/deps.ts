import { and, eq, inArray } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db.js';
import { NotFoundError } from '../../platform/errors.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import type { CursorCodec } from '../../platform/pagination.js';
import type { ContactKey } from './contacts.js';
import { OPEN_STATUSES } from './lifecycle.js';
import { interests } from './schema.js';
import type { InterestRow } from './views.js';

export interface InterestDeps {
  db: Db;
  cursors: CursorCodec;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  contactKey: ContactKey;
}

export async function findInterest(
  db: DbOrTx,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<InterestRow> {
  const q = db.select().from(interests).where(eq(interests.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

export async function openInterestOf(
  db: DbOrTx,
  organisationId: string,
  achievementId: string,
): Promise<InterestRow | undefined> {
  const [row] = await db
    .select()
    .from(interests)
    .where(
      and(
        eq(interests.interestedOrganisationId, organisationId),
        eq(interests.achievementId, achievementId),
        inArray(interests.status, [...OPEN_STATUSES]),
      ),
    );
  return row;
}
