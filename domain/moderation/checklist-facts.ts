/**
 * Checklist items the files' facts already establish (issue 18, item 2): the review page shows them
 * ticked with the reason, and the moderator confirms or unticks. Only what the worker measured is
 * used; "content shows the claimed violation" is a person's judgement and is never pre-ticked.
 * Pure: the review page and the decision both call it on what they read.
 */
import type { Config } from '../config';
import type { MediaFile } from '../media/model';
import { distanceKm } from '../processing/claim-mismatch';
import { kmOutside, type Region } from '../regions/model';
import type { Submission } from '../submissions/model';
import type { ChecklistFactCode, ChecklistItem } from './model';

/** Which fact pre-ticks an item, with the figures its reason names. */
export type ChecklistFact = { code: ChecklistFactCode; params: Record<string, string | number> };

/** Flags that say the file's own record cannot be taken at its word. */
const DOUBTFUL_SOURCE = ['no_metadata', 'edited', 'gps_invalid', 'exact_duplicate', 'near_duplicate'];

/**
 * `claimedRegion`: the region the observer named, as the region list holds it (with its boundary
 * when loaded). Without a station in the register, GPS inside that boundary (within the margin the
 * region_mismatch flag allows) establishes the place item as far as a region can.
 */
export function establishedChecks(
  s: Pick<Submission, 'happened_at' | 'station_lat' | 'station_lon'>,
  files: Pick<MediaFile, 'status' | 'flags' | 'taken_at_local' | 'gps_lat' | 'gps_lon' | 'make' | 'model'>[],
  limits: Pick<Config, 'timeMismatchHours' | 'placeMismatchKm' | 'regionMismatchKm'>,
  claimedRegion: Pick<Region, 'name_ru' | 'boundary'> | null = null,
): Partial<Record<ChecklistItem, ChecklistFact>> {
  // facts only from files the worker has finished: an unprocessed file has none yet, and could contradict them
  if (!files.length || files.some((f) => f.status !== 'ready')) return {};
  const facts: Partial<Record<ChecklistItem, ChecklistFact>> = {};
  const n = files.length;
  if (s.happened_at && files.every((f) => f.taken_at_local && !f.flags.includes('time_mismatch'))) {
    facts.time = { code: 'capture_within_window', params: { n, hours: limits.timeMismatchHours, at: s.happened_at.replace('T', ' ') } };
  }
  if (s.station_lat !== null && s.station_lon !== null && files.every((f) => f.gps_lat !== null && f.gps_lon !== null && !f.flags.some((fl) => fl === 'place_mismatch' || fl === 'gps_invalid'))) {
    const station = { lat: s.station_lat, lon: s.station_lon };
    const farthest = Math.max(...files.map((f) => distanceKm({ lat: f.gps_lat!, lon: f.gps_lon! }, station)));
    facts.place = { code: 'gps_near_station', params: { n, km: Math.round(farthest * 100) / 100, limit: limits.placeMismatchKm } };
  } else if (
    (s.station_lat === null || s.station_lon === null) &&
    claimedRegion?.boundary &&
    files.every((f) => f.gps_lat !== null && f.gps_lon !== null && !f.flags.some((fl) => fl === 'region_mismatch' || fl === 'gps_invalid')) &&
    files.every((f) => kmOutside(claimedRegion.boundary!, { lat: f.gps_lat!, lon: f.gps_lon! }) <= limits.regionMismatchKm)
  ) {
    facts.place = { code: 'gps_in_claimed_region', params: { n, region: claimedRegion.name_ru, margin: limits.regionMismatchKm } };
  }
  if (files.every((f) => (f.make || f.model) && !f.flags.some((fl) => DOUBTFUL_SOURCE.includes(fl)))) {
    facts.source = { code: 'camera_metadata_intact', params: { n } };
  }
  return facts;
}
