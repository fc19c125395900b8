-- Category codes are stable identifiers that published data and exports refer to: labels may be
-- edited, codes never change and categories are never deleted (deactivate instead).
CREATE FUNCTION forbid_category_code_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'categories are never deleted; set active = false' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.code <> OLD.code OR NEW.phase_code <> OLD.phase_code THEN
    RAISE EXCEPTION 'a category code never changes' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER categories_codes_are_stable
  BEFORE UPDATE OR DELETE ON categories
  FOR EACH ROW EXECUTE FUNCTION forbid_category_code_change();
