ALTER TABLE "technology_manager_brokerages" DROP CONSTRAINT "technology_manager_brokerages_subject_type_check";--> statement-breakpoint
ALTER TABLE "price_notices" ADD COLUMN "withdrawn_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "price_notices" ADD COLUMN "withdrawn_by" text;--> statement-breakpoint
ALTER TABLE "price_notices" ADD COLUMN "withdraw_reason" text;--> statement-breakpoint
ALTER TABLE "service_quotes" ADD COLUMN "withdrawn_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "technology_manager_brokerages" ADD CONSTRAINT "technology_manager_brokerages_subject_type_check" CHECK (subject_type IN ('interest','contract','service_order'));