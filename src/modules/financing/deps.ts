import { type Actor, recordAudit } from '../../platform/audit.js';
import type { Db, DbOrTx } from '../../platform/db.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import type { CursorCodec } from '../../platform/pagination.js';
import { emitEventInTx } from '../integration/index.js';
import type { ContactKey } from './contacts.js';

export interface FinancingDeps {
  db: Db;
  cursors: CursorCodec;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  contactKey: ContactKey;
}

/**
 * What every change leaves behind, in its transaction: the audit trail and one webhook event
 * (ids and codes only) to the organisations concerned. Call `outbox.kick()` after commit.
 */
export async function recordChange(
  tx: DbOrTx,
  e: {
    actor: Actor;
    event: string;
    objectType: string;
    objectId: string;
    organisationIds: string[];
    data: Record<string, unknown>;
    before?: unknown;
    requestId?: string;
  },
) {
  await recordAudit(tx, {
    actor: e.actor,
    action: e.event,
    objectType: e.objectType,
    objectId: e.objectId,
    before: e.before,
    after: e.data,
    requestId: e.requestId,
  });
  await emitEventInTx(tx, {
    type: e.event,
    subjectId: e.objectId,
    organisationIds: [...new Set(e.organisationIds)],
    data: e.data,
  });
}
