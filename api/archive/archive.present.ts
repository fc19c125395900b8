import type { MediaFileRow } from '../../db/media.repo';
import type { PublishedListRow, SubmissionRow } from '../../db/submissions.repo';

/** The public shape of an entry: only what a journalist may see, nothing about the uploader. */
export function presentListItem(e: PublishedListRow) {
  return {
    id: e.id,
    url: `/archive/${e.id}`,
    election: { ru: e.election_name_ru, en: e.election_name_en },
    region: e.region,
    station_number: e.station_number,
    category: { code: e.category_code, ru: e.category_label_ru, en: e.category_label_en },
    description: e.description,
    file_count: e.file_count,
    published_at: e.published_at?.toISOString() ?? null,
  };
}

function presentFile(f: MediaFileRow) {
  return {
    id: f.id,
    sha256: f.sha256,
    bytes: f.bytes,
    kind: f.kind,
    captured_at: f.taken_at_local ? { local: f.taken_at_local, offset: f.taken_at_offset, utc: f.taken_at_utc?.toISOString() ?? null, source: f.taken_at_source } : null,
    width: f.width,
    height: f.height,
    preview_url: f.has_preview ? `/media/${f.id}/preview.jpg` : null,
    published_copy_url: f.has_preview ? `/media/${f.id}/published.jpg` : null,
  };
}

export function presentEntry({ entry, files }: { entry: SubmissionRow; files: MediaFileRow[] }) {
  return {
    id: entry.id,
    url: `/archive/${entry.id}`,
    election: { id: entry.election_id, ru: entry.election_name_ru, en: entry.election_name_en },
    region: entry.region,
    station_number: entry.station_number,
    category: { code: entry.category_code, ru: entry.category_label_ru, en: entry.category_label_en },
    description: entry.description,
    happened_at: entry.happened_at,
    received_at: entry.received_at.toISOString(),
    published_at: entry.published_at?.toISOString() ?? null,
    files: files.map(presentFile),
  };
}
