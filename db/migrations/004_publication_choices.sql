-- What becomes public, chosen by the moderator before publishing (defaults are the privacy-safe
-- ones), and withdrawal: an unpublished entry says "withdrawn on … — reason", never a silent 404.

ALTER TABLE submissions
  ADD COLUMN public_title        text CHECK (public_title IS NULL OR length(public_title) BETWEEN 1 AND 300),
  ADD COLUMN public_description  text CHECK (public_description IS NULL OR length(public_description) BETWEEN 1 AND 10000),
  ADD COLUMN public_location     text NOT NULL DEFAULT 'rounded' CHECK (public_location IN ('precise', 'rounded', 'hidden')),
  ADD COLUMN public_device       boolean NOT NULL DEFAULT false,
  ADD COLUMN original_downloadable boolean NOT NULL DEFAULT false,
  ADD COLUMN withdrawn_at        timestamptz,
  ADD COLUMN withdrawal_reason   text CHECK (withdrawal_reason IS NULL OR length(withdrawal_reason) BETWEEN 1 AND 2000);

ALTER TABLE submissions DROP CONSTRAINT submissions_status_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_status_check
  CHECK (status IN ('pending', 'rejected', 'published', 'withdrawn'));

-- Published and withdrawn entries were both published once, by a verifying decision.
ALTER TABLE submissions DROP CONSTRAINT submissions_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_published_check
  CHECK ((status IN ('published', 'withdrawn')) = (published_at IS NOT NULL AND publish_decision_id IS NOT NULL));
ALTER TABLE submissions ADD CONSTRAINT submissions_withdrawn_check
  CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawal_reason IS NOT NULL));
