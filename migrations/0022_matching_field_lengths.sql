-- Token counts of each section (title, keywords, summary, body) for BM25F length normalisation;
-- null until the document is indexed again (`techex reindex`), which the ranking then treats as
-- a document of average lengths.
ALTER TABLE "matching_documents" ADD COLUMN "field_lengths" integer[];
