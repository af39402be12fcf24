ALTER TABLE "catalog_changes" ADD COLUMN "audience" uuid[];--> statement-breakpoint
ALTER TABLE "roadshows" ADD COLUMN "status" text DEFAULT 'scheduled' NOT NULL;--> statement-breakpoint
ALTER TABLE "roadshows" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "roadshows" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "roadshows" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "catalog_changes_object_idx" ON "catalog_changes" USING btree ("listing_id");--> statement-breakpoint
ALTER TABLE "roadshows" ADD CONSTRAINT "roadshows_status_check" CHECK (status IN ('scheduled','cancelled'));