import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';

/**
 * Retention of the webhook delivery log (WEBHOOK_RETENTION_DAYS), run by the platform's hourly
 * maintenance. Finished deliveries (succeeded, or failed for good) whose event and last change
 * are older than the retention go first; then events older than it that no delivery refers to
 * any more. A pending or retrying delivery is never deleted, so neither is its event (a
 * delivery cascades with its event). Deletes in slices, so no statement holds many row locks.
 */
export const DEFAULT_WEBHOOK_RETENTION_DAYS = 30;
const SLICE = 5000;

export async function pruneWebhookData(
  db: Db,
  now: Date = new Date(),
  retentionDays: number = DEFAULT_WEBHOOK_RETENTION_DAYS,
): Promise<{ deliveries: number; events: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  let deliveries = 0;
  let events = 0;
  for (;;) {
    // Through the events' occurred_at index, then the deliveries' (event_id, endpoint_id) key.
    const res = await db.execute(sql`
      DELETE FROM webhook_deliveries WHERE id IN (
        SELECT d.id FROM webhook_events ev
        JOIN webhook_deliveries d ON d.event_id = ev.id
        WHERE ev.occurred_at < ${cutoff}::timestamptz
          AND d.status IN ('succeeded', 'failed')
          AND d.updated_at < ${cutoff}::timestamptz
        LIMIT ${SLICE})`);
    deliveries += res.rowCount ?? 0;
    if ((res.rowCount ?? 0) < SLICE) break;
  }
  for (;;) {
    const res = await db.execute(sql`
      DELETE FROM webhook_events WHERE id IN (
        SELECT ev.id FROM webhook_events ev
        WHERE ev.occurred_at < ${cutoff}::timestamptz
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ev.id)
        LIMIT ${SLICE})`);
    events += res.rowCount ?? 0;
    if ((res.rowCount ?? 0) < SLICE) break;
  }
  return { deliveries, events };
}
