import type { AppContext } from '../context';
import { processCache } from '../process-cache';
import { boundaryContains, matchRegion, type Region } from './model';

/** The list changes only with a migration: read once per process. */
const cache = processCache<Region[]>();

export function listRegions(ctx: AppContext): Promise<Region[]> {
  return cache('regions', () => ctx.repos.regions.listRegions());
}

/** The canonical region for what an observer or a URL says, or null when none matches (see matchRegion). */
export async function canonicalRegion(ctx: AppContext, typed: string): Promise<Region | null> {
  return matchRegion(await listRegions(ctx), typed);
}

/** A region by its code (ISO 3166), or null when none has it. */
export async function regionByCode(ctx: AppContext, code: string | null): Promise<Region | null> {
  return code === null ? null : ((await listRegions(ctx)).find((r) => r.code === code) ?? null);
}

/** The regions that have a boundary, in the order regionContaining tries them, once per list. */
const withBoundaries = new WeakMap<readonly Region[], Region[]>();

/**
 * The region a point (e.g. a file's GPS) lies in, for moderation's place checks: 'unknown' when no
 * region with a boundary holds it (boundaries are not loaded for every region), never a guess.
 */
export async function regionContaining(ctx: AppContext, point: { lat: number; lon: number }): Promise<Region | 'unknown'> {
  const regions = await listRegions(ctx);
  let ordered = withBoundaries.get(regions);
  if (!ordered) {
    // Subjects before countries: a subject's outline is finer than its country's.
    ordered = regions.filter((r) => r.boundary).sort((a, b) => Number(a.kind === 'country') - Number(b.kind === 'country'));
    withBoundaries.set(regions, ordered);
  }
  return ordered.find((r) => boundaryContains(r.boundary!, point)) ?? 'unknown';
}
