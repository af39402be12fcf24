-- Each document's occurrences per lexeme (lexeme → weight letters, e.g. 'AAD'), kept beside the
-- tsvector they come from, so the matching ranker reads a candidate's query terms by key instead of
-- unnesting the whole tsvector. Filled here from the stored tsvectors (no reindex needed).
ALTER TABLE "matching_documents" ADD COLUMN "term_sections" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
UPDATE "matching_documents" AS d SET "term_sections" = coalesce(
  (SELECT jsonb_object_agg(u.lexeme, array_to_string(u.weights, '')) FROM unnest(d.tsv) AS u), '{}'::jsonb);
