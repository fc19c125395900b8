import type { z } from 'zod';
import type { StationData } from '../../domain/archive/archive.service';
import type { ArchiveListEntry, FileLookup, MapCluster, NearImageMatch, PublicEntry, PublicFile } from '../../domain/archive/model';
import { entryUrl, stationUrl } from '../../web/links';
import type { entryResponse, fileLookupResponse, fileResponse, listItemResponse, mapResponse, similarResponse, stationResponse } from './archive.schema';

/** The public shapes: only what a journalist may see, nothing about the uploader. */

export function presentListItem(e: ArchiveListEntry): z.infer<typeof listItemResponse> {
  return {
    id: e.id,
    url: entryUrl(e.id),
    election: { id: e.election_id, ru: e.election_name_ru, en: e.election_name_en },
    region: e.region,
    station_number: e.station_number,
    station_url: stationUrl(e),
    category: { code: e.category_code, ru: e.category_label_ru, en: e.category_label_en },
    title: e.title,
    excerpt: e.excerpt,
    file_count: e.file_count,
    has_photo: e.has_photo,
    has_video: e.has_video,
    thumb_url: e.first_thumb_file_id ? `/media/${e.first_thumb_file_id}/thumb.jpg` : null,
    captured_at: e.captured_at?.toISOString() ?? null,
    published_at: e.published_at.toISOString(),
    verified_at: e.verified_at.toISOString(),
    location: e.lat !== null && e.lon !== null ? { lat: e.lat, lon: e.lon } : null,
  };
}

function presentFile(f: PublicFile, choices: { device: boolean; original: boolean }): z.infer<typeof fileResponse> {
  return {
    id: f.id,
    kind: f.kind,
    mime: f.mime,
    sha256: f.sha256,
    bytes: f.bytes,
    width: f.width,
    height: f.height,
    duration_s: f.duration_s,
    captured_at: f.taken_at_local
      ? { local: f.taken_at_local, offset: f.taken_at_offset, offset_source: f.offset_source, utc: f.taken_at_utc?.toISOString() ?? null, source: f.taken_at_source }
      : null,
    device: choices.device ? [f.make, f.model].filter(Boolean).join(' ') || null : null,
    flags: f.flags,
    thumb_url: f.has_thumb ? `/media/${f.id}/thumb.jpg` : null,
    preview_url: f.has_preview ? `/media/${f.id}/preview.jpg` : null,
    published_copy_url: f.has_preview ? `/media/${f.id}/published.jpg` : null,
    video_url: f.video_copy ? `/media/${f.id}/video.mp4` : null,
    video_copy_sha256: f.video_copy?.sha256 ?? null,
    original_url: choices.original && !f.redacted ? `/media/${f.id}/original` : null,
    redacted: f.redacted,
    original_carries: f.original_carries,
  };
}

export function presentEntry(data: PublicEntry): z.infer<typeof entryResponse> {
  const e = data.entry;
  const withdrawn = e.status === 'withdrawn' && e.withdrawn_at && e.withdrawal_reason ? { at: e.withdrawn_at.toISOString(), reason: e.withdrawal_reason } : null;
  return {
    id: e.id,
    url: entryUrl(e.id),
    status: e.status,
    withdrawn,
    election: { id: e.election_id, ru: e.election_name_ru, en: e.election_name_en },
    region: e.region,
    station_number: e.station_number,
    station_url: stationUrl(e),
    category: { code: e.category_code, ru: e.category_label_ru, en: e.category_label_en },
    title: withdrawn ? null : e.title,
    description: withdrawn ? null : e.description,
    happened_at: e.happened_at,
    location: withdrawn ? null : e.place,
    received_at: e.received_at.toISOString(),
    published_at: e.published_at.toISOString(),
    verified_at: e.verified_at.toISOString(),
    files: data.files.map((f) => presentFile(f, { device: e.public_device, original: e.original_downloadable })),
  };
}

export function presentStation(s: StationData): z.infer<typeof stationResponse> {
  return {
    election: { id: s.election.id, ru: s.election.name_ru, en: s.election.name_en },
    region: s.station.region,
    station_number: s.station.number,
    total: s.total,
    categories: s.counts.map((c) => ({ code: c.category_code, ru: c.label_ru, en: c.label_en, count: c.count })),
    items: s.items.map(presentListItem),
    next: s.next,
  };
}

export function presentMap(m: { cellDegrees: number; clusters: MapCluster[] }): z.infer<typeof mapResponse> {
  return {
    cell_degrees: m.cellDegrees,
    clusters: m.clusters.map((c) => ({ lat: c.lat, lon: c.lon, count: c.count, url: c.id ? entryUrl(c.id) : null })),
  };
}

export function presentLookup(l: FileLookup): z.infer<typeof fileLookupResponse> {
  return {
    sha256: l.sha256,
    status: l.status,
    entries: l.entries.map((e) => ({
      id: e.id,
      url: entryUrl(e.id),
      published_at: e.published_at.toISOString(),
      copy_of: e.copyOf && { kind: e.copyOf.kind, file_id: e.copyOf.fileId, original_sha256: e.copyOf.originalSha256 },
    })),
  };
}

export function presentSimilar(s: { maxDistance: number; matches: NearImageMatch[] }): z.infer<typeof similarResponse> {
  return {
    max_distance: s.maxDistance,
    matches: s.matches.map((m) => ({
      entry_id: m.entry_id,
      url: entryUrl(m.entry_id),
      file_id: m.file_id,
      distance: m.distance,
      published_at: m.published_at.toISOString(),
      thumb_url: m.has_thumb ? `/media/${m.file_id}/thumb.jpg` : null,
    })),
  };
}
