-- Published video copies (issue 17, item 1): one row per video once the worker owes or made its
-- web-playable copy (H.264 + AAC in MP4, no metadata; domain/media/video-copy.ts). The copy itself is
-- a derivative in the blob store ('video') and its SHA-256 is also in derivative_hashes, so /check
-- knows it. A missing row, or one pending or encoding, is a copy still owed: the worker's sweep
-- enqueues it. Only the worker (svidetel_signer) writes; the API reads (moderators see progress,
-- the public entry plays a ready copy).
CREATE TABLE video_copies (
  media_file_id  uuid PRIMARY KEY REFERENCES media_files (id),
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'encoding', 'ready', 'failed')),
  progress       real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  failure_reason text CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
  sha256         bytea CHECK (octet_length(sha256) = 32),
  bytes          bigint CHECK (bytes > 0),
  -- how the copy was made: the picture and the sound each stream-copied or encoded
  method         text CHECK (method IN ('video:copy audio:copy', 'video:copy audio:encode', 'video:copy audio:none',
                                        'video:encode audio:copy', 'video:encode audio:encode', 'video:encode audio:none')),
  attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT video_copies_ready_has_bytes CHECK ((status = 'ready') = (sha256 IS NOT NULL AND bytes IS NOT NULL AND method IS NOT NULL))
);

GRANT SELECT ON video_copies TO svidetel_app;
GRANT INSERT, UPDATE ON video_copies TO svidetel_signer;
