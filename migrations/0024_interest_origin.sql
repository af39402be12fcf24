ALTER TABLE "interests" ADD COLUMN "origin" jsonb;--> statement-breakpoint
CREATE INDEX "interests_origin_created_idx" ON "interests" USING btree ("created_at") WHERE origin IS NOT NULL;