-- The pending rows' index by (queue, created_at): the dispatcher's claim reads each queue's
-- pending rows up to its cutoff, so a deferred queue's young rows (vouchers.issue, 60 s grace) are
-- no longer walked on every kick (claimStatement in src/platform/outbox.ts).
DROP INDEX "outbox_jobs_pending_idx";--> statement-breakpoint
CREATE INDEX "outbox_jobs_pending_idx" ON "outbox_jobs" USING btree ("queue","created_at") WHERE dispatched_at IS NULL;