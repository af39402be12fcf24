DROP INDEX "catalog_listings_title_trgm_idx";--> statement-breakpoint
DROP INDEX "matching_documents_tsv_idx";--> statement-breakpoint
ALTER TABLE "catalog_listings" ADD COLUMN "title_key" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "catalog_listings_title_key_trgm_idx" ON "catalog_listings" USING gin ("title_key" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "matching_documents_tsv_idx" ON "matching_documents" USING gin ("tsv") WITH (fastupdate=false);