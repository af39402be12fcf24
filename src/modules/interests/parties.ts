import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db.js';
import { interests } from './schema.js';

/** The two organisations of an interest (for other modules' party checks), or undefined. */
export async function interestParties(
  db: DbOrTx,
  id: string,
): Promise<{ ownerOrganisationId: string; interestedOrganisationId: string; status: string } | undefined> {
  const [row] = await db
    .select({
      ownerOrganisationId: interests.ownerOrganisationId,
      interestedOrganisationId: interests.interestedOrganisationId,
      status: interests.status,
    })
    .from(interests)
    .where(eq(interests.id, id));
  return row;
}
