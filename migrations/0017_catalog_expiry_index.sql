-- The expiry sweep (src/modules/catalog/expiry.ts): published listings by their last valid day.
CREATE INDEX IF NOT EXISTS "catalog_listings_expiry_idx" ON "catalog_listings" USING btree ("valid_until") WHERE status = 'published';
