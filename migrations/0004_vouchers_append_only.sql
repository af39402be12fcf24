-- The voucher log is append-only: its stored nodes and signed checkpoints are never changed or
-- removed, and a voucher's leaf index, once assigned, never moves.
CREATE OR REPLACE FUNCTION voucher_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER voucher_log_nodes_no_update BEFORE UPDATE OR DELETE ON voucher_log_nodes
  FOR EACH ROW EXECUTE FUNCTION voucher_log_append_only();
--> statement-breakpoint
CREATE TRIGGER voucher_log_nodes_no_truncate BEFORE TRUNCATE ON voucher_log_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION voucher_log_append_only();
--> statement-breakpoint
CREATE TRIGGER voucher_checkpoints_no_update BEFORE UPDATE OR DELETE ON voucher_checkpoints
  FOR EACH ROW EXECUTE FUNCTION voucher_log_append_only();
--> statement-breakpoint
CREATE TRIGGER voucher_checkpoints_no_truncate BEFORE TRUNCATE ON voucher_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION voucher_log_append_only();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vouchers_keep_leaf() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.leaf_index IS NOT NULL AND NEW.leaf_index IS DISTINCT FROM OLD.leaf_index THEN
    RAISE EXCEPTION 'a voucher''s leaf index never changes' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.jws IS DISTINCT FROM OLD.jws OR NEW.leaf_hash IS DISTINCT FROM OLD.leaf_hash THEN
    RAISE EXCEPTION 'a signed voucher never changes' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER vouchers_keep_leaf BEFORE UPDATE ON vouchers
  FOR EACH ROW EXECUTE FUNCTION vouchers_keep_leaf();
--> statement-breakpoint
CREATE TRIGGER vouchers_no_delete BEFORE DELETE ON vouchers
  FOR EACH ROW EXECUTE FUNCTION voucher_log_append_only();
