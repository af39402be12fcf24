-- Registered technology contracts are immutable (技术合同认定登记): the only changes a registered
-- row accepts are its cancellation (status and the cancellation columns) and an amendment the
-- registrar approved, named in the transaction by SET LOCAL techex.contract_amendment. A cancelled
-- row accepts nothing. The application checks the same rules first; this is the backstop.
CREATE FUNCTION technology_contracts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bookkeeping text[] := ARRAY['status', 'updated_at', 'cancelled_at', 'cancellation_reason',
                              'cancelled_by', 'transaction_amount_fen'];
  amendment text := nullif(current_setting('techex.contract_amendment', true), '');
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status IN ('registered', 'cancelled') THEN
      RAISE EXCEPTION 'technology contract % is registered and cannot be deleted', OLD.id
        USING ERRCODE = '55000';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'cancelled' THEN
    RAISE EXCEPTION 'technology contract % is cancelled and cannot change', OLD.id USING ERRCODE = '55000';
  END IF;
  IF OLD.status <> 'registered' THEN
    RETURN NEW;
  END IF;
  IF NEW.status = 'cancelled' AND (to_jsonb(NEW) - bookkeeping) = (to_jsonb(OLD) - bookkeeping) THEN
    RETURN NEW;
  END IF;
  IF NEW.status = 'registered' AND amendment IS NOT NULL AND amendment ~ '^[0-9a-f-]{36}$'
     AND NEW.version = OLD.version + 1
     AND NEW.id = OLD.id
     AND NEW.registration_number = OLD.registration_number
     AND NEW.registration_year = OLD.registration_year
     AND NEW.registered_at = OLD.registered_at
     AND NEW.organisation_id = OLD.organisation_id
     AND NEW.sub_centre_id = OLD.sub_centre_id
     AND EXISTS (SELECT 1 FROM contract_amendments a
                 WHERE a.id = amendment::uuid AND a.contract_id = OLD.id
                   AND a.status = 'approved' AND a.from_version = OLD.version) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'technology contract % is registered: its content cannot change', OLD.id
    USING ERRCODE = '55000';
END $$;
--> statement-breakpoint
CREATE TRIGGER technology_contracts_immutable BEFORE UPDATE OR DELETE ON technology_contracts
  FOR EACH ROW EXECUTE FUNCTION technology_contracts_guard();
--> statement-breakpoint
CREATE FUNCTION contract_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'contract versions are append-only' USING ERRCODE = '55000';
END $$;
--> statement-breakpoint
CREATE TRIGGER contract_versions_no_change BEFORE UPDATE OR DELETE ON contract_versions
  FOR EACH ROW EXECUTE FUNCTION contract_versions_append_only();
