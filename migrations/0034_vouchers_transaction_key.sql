-- One voucher per transaction: the transaction's id becomes the vouchers' primary key, in place of
-- a separate id (never exposed) and a unique constraint on transaction_id, so each issued voucher
-- maintains one index fewer (at the insert and at the sequencer's leaf update). Same guarantee.
DROP INDEX "vouchers_unsequenced_idx";--> statement-breakpoint
ALTER TABLE "vouchers" DROP COLUMN "id";--> statement-breakpoint
ALTER TABLE "vouchers" DROP CONSTRAINT "vouchers_transaction_uq";--> statement-breakpoint
ALTER TABLE "vouchers" ADD CONSTRAINT "vouchers_pkey" PRIMARY KEY("transaction_id");--> statement-breakpoint
CREATE INDEX "vouchers_unsequenced_idx" ON "vouchers" USING btree ("created_at","transaction_id") WHERE leaf_index IS NULL;
