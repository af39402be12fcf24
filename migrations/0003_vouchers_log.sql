CREATE TABLE "voucher_checkpoints" (
	"size" bigint PRIMARY KEY NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"note" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "voucher_log_nodes" (
	"level" smallint NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "voucher_log_nodes_pk" PRIMARY KEY("level","idx")
);
--> statement-breakpoint
CREATE TABLE "voucher_signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"verifier_key" text,
	"private_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "voucher_transactions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source_type" text NOT NULL,
	"source_id" text NOT NULL,
	"request" jsonb NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"revocation_reason" text,
	"revocation_requested_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"issued_at" timestamp with time zone,
	CONSTRAINT "voucher_transactions_source_uq" UNIQUE("source_type","source_id")
);
--> statement-breakpoint
CREATE TABLE "vouchers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"transaction_id" uuid NOT NULL,
	"number" text NOT NULL,
	"payload" jsonb NOT NULL,
	"jws" text NOT NULL,
	"kid" text NOT NULL,
	"leaf_hash" "bytea" NOT NULL,
	"leaf_index" bigint,
	"status" text DEFAULT 'active' NOT NULL,
	"revoked_at" timestamp with time zone,
	"revocation_reason" text,
	"issued_at" timestamp with time zone NOT NULL,
	"sequenced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vouchers_transaction_uq" UNIQUE("transaction_id"),
	CONSTRAINT "vouchers_number_uq" UNIQUE("number"),
	CONSTRAINT "vouchers_leaf_hash_uq" UNIQUE("leaf_hash"),
	CONSTRAINT "vouchers_leaf_index_uq" UNIQUE("leaf_index")
);
--> statement-breakpoint
ALTER TABLE "vouchers" ADD CONSTRAINT "vouchers_transaction_id_voucher_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."voucher_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "voucher_signing_keys_active_uq" ON "voucher_signing_keys" USING btree ("purpose") WHERE retired_at IS NULL;--> statement-breakpoint
CREATE INDEX "voucher_transactions_pending_idx" ON "voucher_transactions" USING btree ("created_at") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "vouchers_unsequenced_idx" ON "vouchers" USING btree ("created_at","id") WHERE leaf_index IS NULL;--> statement-breakpoint
CREATE INDEX "vouchers_revoked_idx" ON "vouchers" USING btree ("leaf_index") WHERE status = 'revoked';