/**
 * Does what a file says contradict what the observer claims? Pure functions, no I/O: the worker
 * feeds them the extracted capture time/place and the submission's stated time, election days and
 * polling station. Times here are wall-clock readings ("YYYY-MM-DDTHH:MM[:SS]") handled as plain
 * numbers, never through the server's time zone.
 */
import type { ObserverClaimRow } from '../../db/media.repo';
import type { Config } from '../config';
import { kmOutside, type Region } from '../regions/model';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** UTC offsets in use run from −12:00 to +14:00. */
const MIN_OFFSET_MS = -12 * HOUR_MS;
const MAX_OFFSET_MS = 14 * HOUR_MS;

export type FileTime = {
  /** The file's local wall-clock time, or null when it has none. */
  takenAtLocal: string | null;
  /** "+HH:MM" when the file records (or we derived) its UTC offset; null when unknown. */
  offset: string | null;
  /** Set with a null offset when the only time is a UTC instant (e.g. a video's mvhd): then takenAtLocal is UTC, not local. */
  takenAtUtc: Date | string | null;
};

export type ObserverClaim = {
  /** Wall-clock time the observer stated ("YYYY-MM-DDTHH:MM"), or null. */
  happenedAt: string | null;
  votingStartsOn: string; // YYYY-MM-DD
  votingEndsOn: string;
};

/** A wall-clock reading as milliseconds on a zone-less time line (Date.UTC is only arithmetic here). */
function wallClockMs(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (!m) throw new Error(`not a wall-clock time: ${text}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
}

const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

/**
 * time_mismatch: the capture time is more than `windowHours` from the stated time, or its date is
 * outside the election's voting days. When the offset is unknown the local time is uncertain: a
 * UTC-only time may be local anywhere from −12 to +14 hours, and the date is allowed ±1 day.
 */
export function timeMismatch(capture: FileTime, claim: ObserverClaim, windowHours: number): boolean {
  if (!capture.takenAtLocal) return false; // nothing to compare; no_metadata says so
  const local = wallClockMs(capture.takenAtLocal);
  const onlyUtcKnown = capture.offset === null && capture.takenAtUtc !== null;
  const earliest = onlyUtcKnown ? local + MIN_OFFSET_MS : local;
  const latest = onlyUtcKnown ? local + MAX_OFFSET_MS : local;

  if (claim.happenedAt) {
    const stated = wallClockMs(claim.happenedAt);
    const gap = stated < earliest ? earliest - stated : stated > latest ? stated - latest : 0;
    if (gap > windowHours * HOUR_MS) return true;
  }

  const dateSlack = capture.offset === null ? 1 : 0;
  const firstDay = dayOf(local) - dateSlack;
  const lastDay = dayOf(local) + dateSlack;
  return lastDay < dayOf(wallClockMs(claim.votingStartsOn)) || firstDay > dayOf(wallClockMs(claim.votingEndsOn));
}

export type Point = { lat: number; lon: number };

const EARTH_RADIUS_KM = 6371.0088; // mean radius (IUGG)

/** Great-circle distance (haversine); good to ~0.5 % anywhere, far better than GPS at these ranges. */
export function distanceKm(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** place_mismatch: the file's GPS is more than `maxKm` from the stated polling station (when both are known). */
export function placeMismatch(gps: Point | null, station: Point | null, maxKm: number): boolean {
  return gps !== null && station !== null && distanceKm(gps, station) > maxKm;
}

/**
 * region_mismatch: the file's GPS is more than `marginKm` outside the claimed region's boundary
 * (when both are known). The margin absorbs the boundaries' simplification and a photo taken just
 * across a border; a "Москва" claim with GPS in Czechia is thousands of kilometres out.
 */
export function regionMismatch(gps: Point | null, claimed: Region | null, marginKm: number): boolean {
  return gps !== null && claimed?.boundary != null && kmOutside(claimed.boundary, gps) > marginKm;
}

/** What a file says about when and where it was taken. */
export type Capture = FileTime & { gps: Point | null };

export type ClaimFlag = 'time_mismatch' | 'place_mismatch' | 'region_mismatch';

/**
 * time_mismatch, and place_mismatch or region_mismatch, of one file against what the observer
 * stated. The station's place comes from the polling-station register as it is now
 * (place-recheck.service.ts re-checks files already processed when the register changes); only when
 * the register has no place for the station does the claimed region's boundary decide.
 */
export function claimMismatches(
  capture: Capture,
  claim: ObserverClaimRow,
  claimedRegion: Region | null,
  limits: Pick<Config, 'timeMismatchHours' | 'placeMismatchKm' | 'regionMismatchKm'>,
): ClaimFlag[] {
  const flags: ClaimFlag[] = [];
  const stated = { happenedAt: claim.happened_at, votingStartsOn: claim.voting_starts_on, votingEndsOn: claim.voting_ends_on };
  if (timeMismatch(capture, stated, limits.timeMismatchHours)) flags.push('time_mismatch');
  const station = claim.station_lat !== null && claim.station_lon !== null ? { lat: claim.station_lat, lon: claim.station_lon } : null;
  if (station) {
    if (placeMismatch(capture.gps, station, limits.placeMismatchKm)) flags.push('place_mismatch');
  } else if (regionMismatch(capture.gps, claimedRegion, limits.regionMismatchKm)) flags.push('region_mismatch');
  return flags;
}
