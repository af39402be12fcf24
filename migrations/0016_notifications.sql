CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"recipient_user_id" uuid,
	"recipient_organisation_id" uuid,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"data" jsonb NOT NULL,
	"dedup_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone,
	CONSTRAINT "notifications_dedup_key" UNIQUE("dedup_key"),
	CONSTRAINT "notifications_recipient_check" CHECK (("notifications"."recipient_user_id" IS NULL) <> ("notifications"."recipient_organisation_id" IS NULL))
);
--> statement-breakpoint
DROP INDEX "matching_documents_tsv_idx";--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "notifications" USING btree ("recipient_user_id","id");--> statement-breakpoint
CREATE INDEX "notifications_org_idx" ON "notifications" USING btree ("recipient_organisation_id","id");--> statement-breakpoint
CREATE INDEX "matching_documents_tsv_idx" ON "matching_documents" USING gin ("tsv") WITH (fastupdate=true,gin_pending_list_limit=512);