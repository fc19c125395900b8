-- Processing retries a transient failure (PostgreSQL or Redis away, a full disk, too many open files,
-- a store's 5xx) with backoff for RETRY_WINDOW_MINUTES; then the file is parked as waiting_retry
-- and the sweep tries it again later. retry_reason says why, from the first transient failure on,
-- for admins; a permanent failure (bytes that cannot be parsed) is still 'failed' with
-- failure_reason, and a file is never dropped without one of the two saying why.
ALTER TABLE media_files DROP CONSTRAINT media_files_status_check;
ALTER TABLE media_files ADD CONSTRAINT media_files_status_check
  CHECK (status IN ('received', 'processing', 'waiting_retry', 'ready', 'failed'));
ALTER TABLE media_files ADD COLUMN retry_reason text;
ALTER TABLE media_files ADD CONSTRAINT media_files_waiting_retry_has_reason
  CHECK (status <> 'waiting_retry' OR retry_reason IS NOT NULL);

-- The sweep and the backlog read the unfinished files, now including those waiting to be retried.
DROP INDEX media_files_unfinished_idx;
CREATE INDEX media_files_unfinished_idx ON media_files (status_changed_at) WHERE status IN ('received', 'processing', 'waiting_retry');
