-- The search index of the embedded engine keeps a small GIN pending list (512 kB instead of 4 MB):
-- every query scans that list linearly until it is merged into the index, so a long one made match
-- latency depend on autovacuum timing; none at all made indexing twice as slow.
ALTER INDEX "matching_documents_tsv_idx" SET (fastupdate = on, gin_pending_list_limit = 512);
