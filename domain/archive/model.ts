/**
 * The public archive's words: how a search is asked and answered, what a published entry shows,
 * and what the exports write. db/archive.repo.ts reads these shapes (importing the types only);
 * web/ and api/ render them.
 */
import type { MediaFileRow } from '../../db/media.repo';
import type { EntryLabels } from '../../db/submissions.repo';
import type { PublicDerivativeName } from '../media/derivatives';
import type { OriginalReveal } from '../media/original-reveals';

// ----------------------------------------------------------------------------------------------
// Search

export type SearchSort = 'relevance' | 'captured' | 'published';

/** The time sorts a page can be read in with a keyset (relevance pages are cut in the domain, see relevanceWindow). */
export type TimeSort = Exclude<SearchSort, 'relevance'>;

/** A search as the repository runs it (built from a journalist's query by buildFilters). */
export type SearchFilters = {
  /** websearch_to_tsquery text (Russian and English words each stemmed in their language) */
  text: string | null;
  /** words that may name a region: each matches its fuzzily resolved regions OR the text */
  regionWords: { word: string; regions: string[] }[];
  stationNumbers: string[];
  electionId: number | null;
  /** resolved region names; null means any region, [] means none matched (an honest empty result) */
  regions: string[] | null;
  categories: string[];
  capturedFrom: Date | null;
  capturedTo: Date | null;
  publishedFrom: Date | null;
  publishedTo: Date | null;
  verifiedSince: Date | null;
  hasPhoto: boolean;
  hasVideo: boolean;
};

/** Where the previous page ended: the sort key of its last row (a time, a rank or null) and its id. */
export type SearchAfter = { key: string | number | null; id: string };

/** A match of a text search with its relevance (ts_rank_cd, title words weigh more). */
export type RankedMatch = { id: string; rank: number };
/**
 * Where a walk through the newest entries found its last match: another walk may go on from there;
 * `reached` is how many candidates the walk had read when it found it.
 */
export type WalkedMatch = { id: string; publishedAt: Date; reached: number };

/** A word or name to look for among region names, and how alike a name must be (trigram word similarity, 0–1). */
export type RegionTerm = { term: string; minScore: number };

/** A published entry as a list shows it (search results, station pages, the feed). */
export type ArchiveListEntry = EntryLabels & {
  id: string;
  published_at: Date;
  verified_at: Date;
  captured_at: Date | null;
  has_photo: boolean;
  has_video: boolean;
  file_count: number;
  first_thumb_file_id: string | null;
  /** the public place (archive_entry_source decides it), null when hidden or unknown */
  lat: number | null;
  lon: number | null;
  title: string | null;
  excerpt: string;
  /** relevance, for a page sorted by it */
  rank: number | null;
};

/** A published file showing the same picture as a journalist's image (the similar-image search). */
export type NearImageMatch = { entry_id: string; file_id: string; distance: number; published_at: Date; has_thumb: boolean };

// ----------------------------------------------------------------------------------------------
// Stations and the map

/** A polling station as its public page names it. */
export type Station = { electionId: number; region: string; number: string };

export type StationCategoryCount = { category_code: string; label_ru: string; label_en: string; count: number };

export type MapBox = { west: number; south: number; east: number; north: number };

/** Published points merged into one grid cell; a cluster of one carries its entry id. */
export type MapCluster = { lat: number; lon: number; count: number; id: string | null };

// ----------------------------------------------------------------------------------------------
// A published (or withdrawn) entry

/** Where the public sees an entry, and how exact that is (see archive.repo.ts findPublicEntry). */
export type PublicPlace = { lat: number; lon: number; precision: 'precise' | 'rounded' };

/** A published or withdrawn entry's public facts (a withdrawn permalink explains itself). */
export type PublicEntryFacts = EntryLabels & {
  id: string;
  status: 'published' | 'withdrawn';
  title: string | null;
  description: string;
  happened_at: string | null;
  received_at: Date;
  published_at: Date;
  verified_at: Date;
  withdrawn_at: Date | null;
  withdrawal_reason: string | null;
  public_location: 'precise' | 'rounded' | 'hidden';
  public_device: boolean;
  original_downloadable: boolean;
  /** the place the archive shows (null when hidden, unknown, or withdrawn) */
  place: PublicPlace | null;
  /** the polling-station register's entry, when the submission was matched to one */
  station_address: string | null;
  station_tik: string | null;
};

/** A published file as the public pages read it: the worker's columns a journalist may see. */
export type PublicFileFacts = Pick<
  MediaFileRow,
  | 'id' | 'sha256' | 'bytes' | 'mime' | 'kind' | 'width' | 'height' | 'duration_s'
  | 'taken_at_local' | 'taken_at_offset' | 'offset_source' | 'taken_at_utc' | 'taken_at_source'
  | 'gps_lat' | 'gps_lon' | 'make' | 'model' | 'flags' | 'has_thumb' | 'has_preview'
  // not shown: what the public flags are computed from (domain/processing/media-relations.service.ts), and
  // the metadata's serial numbers, only to say that a downloadable original carries some
  | 'phash' | 'content_identifier' | 'metadata'
> & {
  /** A video's published copy, once made (domain/media/video-copy.ts). */
  video_copy: { sha256: string; bytes: number } | null;
  /** No copy could be made (recorded as failed, e.g. past VIDEO_COPY_MAX_MINUTES): the frame stays, and the page says so. */
  video_copy_failed: boolean;
  /** Its publishing decision covered parts of it: the public copies are redacted (domain/media/redaction.ts). */
  redacted: boolean;
};

/** A file of a public entry as shown: its size and what its original carries only where the original is downloadable. */
export type PublicFile = Omit<PublicFileFacts, 'metadata' | 'bytes'> & { bytes: number | null; original_carries: OriginalReveal[] | null };

export type PublicEntry = { entry: PublicEntryFacts; files: PublicFile[] };

/** A published file as its download needs it. */
export type PublishedFile = Pick<MediaFileRow, 'id' | 'submission_id' | 'sha256' | 'mime' | 'has_thumb' | 'has_preview'> & {
  /** Where the public copies of a redacted file are kept; null: the copies made on processing. */
  redacted_copies_key: string | null;
};

// ----------------------------------------------------------------------------------------------
// Exports

/** A matching entry as the exports read it. */
export type ExportEntry = Omit<ArchiveListEntry, 'excerpt' | 'first_thumb_file_id' | 'rank'> & { description: string; sha256: string[] };

/**
 * An entry as both exports write it: each JSON object, and each CSV line (null as an empty field,
 * true/false, ISO times, the hashes space-separated), with the fields in EXPORT_FIELDS' order.
 */
export type ExportRecord = {
  id: string;
  url: string;
  election_id: number;
  election_en: string;
  election_ru: string;
  region: string;
  station_number: string;
  category_code: string;
  category_en: string;
  category_ru: string;
  title: string | null;
  description: string;
  captured_at: string | null;
  published_at: string;
  verified_at: string;
  latitude: number | null;
  longitude: number | null;
  has_photo: boolean;
  has_video: boolean;
  file_count: number;
  sha256: string[];
};

/** The export's fields in their order: the CSV header (db/archive.repo.ts is typed by it) and the JSON keys. */
export const EXPORT_FIELDS = [
  'id', 'url', 'election_id', 'election_en', 'election_ru', 'region', 'station_number', 'category_code', 'category_en', 'category_ru',
  'title', 'description', 'captured_at', 'published_at', 'verified_at', 'latitude', 'longitude', 'has_photo', 'has_video', 'file_count', 'sha256',
] as const satisfies readonly (keyof ExportRecord)[];

export type ExportFields = typeof EXPORT_FIELDS;

/** An exported entry as ExportRecord; `permalinkBase` followed by the id is its permalink (as the CSV export writes it). */
export function toExportRecord(e: ExportEntry, permalinkBase: string): ExportRecord {
  return {
    id: e.id,
    url: permalinkBase + e.id,
    election_id: e.election_id,
    election_en: e.election_name_en,
    election_ru: e.election_name_ru,
    region: e.region,
    station_number: e.station_number,
    category_code: e.category_code,
    category_en: e.category_label_en,
    category_ru: e.category_label_ru,
    title: e.title,
    description: e.description,
    captured_at: e.captured_at?.toISOString() ?? null,
    published_at: e.published_at.toISOString(),
    verified_at: e.verified_at.toISOString(),
    latitude: e.lat,
    longitude: e.lon,
    has_photo: e.has_photo,
    has_video: e.has_video,
    file_count: e.file_count,
    sha256: e.sha256,
  };
}

// ----------------------------------------------------------------------------------------------
// "Is this file in the archive?"

/** A published entry holding the bytes looked up: as an original (copyOf null) or as a copy the archive made of one. */
export type FileLookupEntry = {
  id: string;
  published_at: Date;
  copyOf: { kind: PublicDerivativeName; fileId: string; originalSha256: string } | null;
};

/** Anything not published answers 'unknown', exactly as bytes never received. */
export type FileLookup = { sha256: string; status: 'published' | 'unknown'; entries: FileLookupEntry[] };
