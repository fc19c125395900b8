/**
 * A stored file as the domain and the review page know it: its processing status, what the worker
 * extracted from it, its flags (domain/media/flags.ts) and its relations to other files.
 */
import type { MediaKind } from './file-type';
import type { Relation } from './flags';

/** waiting_retry: transient failures for the whole retry window; the sweep tries again (retry_reason says why). */
export type MediaStatus = 'received' | 'processing' | 'waiting_retry' | 'ready' | 'failed';

export type MediaFile = {
  id: string;
  submission_id: string;
  sha256: string; // hex
  bytes: number;
  mime: string;
  kind: MediaKind;
  position: number;
  original_name: string;
  status: MediaStatus;
  failure_reason: string | null;
  /** The latest transient failure while the file is retried or waits to be (null once it is ready or failed). */
  retry_reason: string | null;
  attempts: number;
  width: number | null;
  height: number | null;
  orientation: number | null;
  duration_s: number | null;
  taken_at_local: string | null;
  taken_at_offset: string | null;
  offset_source: string | null;
  taken_at_utc: Date | null;
  taken_at_source: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  gps_alt: number | null;
  gps_source: string | null;
  make: string | null;
  model: string | null;
  software: string | null;
  flags: string[];
  metadata: Record<string, unknown> | null;
  has_thumb: boolean;
  has_preview: boolean;
  has_contact: boolean;
  /** Ready, but its full-size preview is still to be made (a HEIC made ready from its embedded thumbnail). */
  preview_owed: boolean;
  /** 64-bit perceptual hash, 16 hex digits; null until rendered. */
  phash: string | null;
  content_identifier: string | null;
};

/** Another file related to one file, in another submission (or, for a Live Photo, usually the same). */
export type RelatedFile = { relation: Relation; file_id: string; submission_id: string; original_name: string; distance: number };
