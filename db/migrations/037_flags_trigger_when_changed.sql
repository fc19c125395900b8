-- The worker saves every file with its flags; only a real change of flags needs the submission's
-- copy recomputed (an UPDATE OF flags fires even when the value is the same).
DROP TRIGGER media_files_flags_to_submission ON media_files;
CREATE TRIGGER media_files_flags_to_submission_on_insert AFTER INSERT ON media_files
  FOR EACH ROW EXECUTE FUNCTION media_files_collect_flags();
CREATE TRIGGER media_files_flags_to_submission_on_change AFTER UPDATE OF flags ON media_files
  FOR EACH ROW WHEN (OLD.flags IS DISTINCT FROM NEW.flags) EXECUTE FUNCTION media_files_collect_flags();
