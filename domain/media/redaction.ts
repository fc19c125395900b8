/**
 * Redaction: rectangles a moderator draws over a photo (faces, people, anything identifying) that
 * are burned into every public copy. The original is evidence and is never touched; the copies the
 * public gets are rendered again from it with the rectangles covered.
 */
import { createHash } from 'node:crypto';

export const REDACTION_STYLES = ['blur', 'fill'] as const;
/** blur: pixelated and blurred beyond recognition; fill: solid black. */
export type RedactionStyle = (typeof REDACTION_STYLES)[number];

/**
 * One rectangle, in fractions (0…1) of the displayed picture (orientation applied, as the preview
 * shows it), so the same rectangle covers the same place at every size of copy. On a video it may
 * hold for a time range only (seconds from the clip's start, as a player counts them); without one
 * it covers the whole clip. A photo's rectangles have no time range.
 */
export type RedactionRegion = { x: number; y: number; w: number; h: number; style: RedactionStyle; from_s?: number; to_s?: number };

/** A file's redaction: the rectangles to cover. */
export type FileRedaction = { fileId: string; regions: RedactionRegion[] };

export const MAX_REDACTION_REGIONS = 50;

/** Rounded to 1/10 000 of an edge: finer than any pixel of a copy, and a stable key. */
const round = (v: number) => Math.round(v * 10_000) / 10_000;

/** Seconds rounded to the millisecond: finer than any frame. */
const roundSeconds = (v: number) => Math.round(v * 1000) / 1000;

/** The rectangle clipped to the picture (its time range to the clip's start), or null when nothing of it is left. */
export function clipRegion(r: RedactionRegion): RedactionRegion | null {
  const x0 = Math.max(0, Math.min(1, r.x));
  const y0 = Math.max(0, Math.min(1, r.y));
  const x1 = Math.max(0, Math.min(1, r.x + r.w));
  const y1 = Math.max(0, Math.min(1, r.y + r.h));
  if (x1 - x0 <= 0 || y1 - y0 <= 0) return null;
  const box: RedactionRegion = { x: round(x0), y: round(y0), w: round(x1 - x0), h: round(y1 - y0), style: r.style };
  if (r.from_s === undefined || r.to_s === undefined) return box;
  const from = roundSeconds(Math.max(0, r.from_s));
  const to = roundSeconds(r.to_s);
  return to > from ? { ...box, from_s: from, to_s: to } : null;
}

/** Whether a rectangle holds for a time range only (a video's), not for the whole picture. */
export const isTimed = (r: RedactionRegion): r is RedactionRegion & { from_s: number; to_s: number } => r.from_s !== undefined && r.to_s !== undefined;

/**
 * Where the redacted copies of an original are kept: a SHA-256 of the original's hash and the
 * rectangles. The same original in two entries, redacted differently, gets copies of its own;
 * the unredacted copies (kept under the original's hash) stay for moderators.
 */
export function redactedCopiesKey(originalSha256: string, regions: RedactionRegion[]): string {
  // a time range joins the key only where there is one: the keys of photos' copies stay as they were
  const canonical = regions.map((r) => (isTimed(r) ? [r.x, r.y, r.w, r.h, r.style, r.from_s, r.to_s] : [r.x, r.y, r.w, r.h, r.style]));
  return createHash('sha256').update(`svidetel-redaction-v1\n${originalSha256}\n${JSON.stringify(canonical)}`).digest('hex');
}

/** A rectangle in pixels of a picture of this size: at least one pixel, never past the edge. */
export function regionInPixels(r: RedactionRegion, width: number, height: number) {
  const left = Math.min(width - 1, Math.max(0, Math.floor(r.x * width)));
  const top = Math.min(height - 1, Math.max(0, Math.floor(r.y * height)));
  const right = Math.min(width, Math.max(left + 1, Math.ceil((r.x + r.w) * width)));
  const bottom = Math.min(height, Math.max(top + 1, Math.ceil((r.y + r.h) * height)));
  return { left, top, width: right - left, height: bottom - top };
}
