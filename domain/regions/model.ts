/**
 * Regions as data (issue 17, item 5; the list is the `regions` table, migration 014): Russia's
 * federal subjects, the occupied Ukrainian regions where Russian elections are held, and countries
 * for stations abroad. What an observer types is matched to one of them, tolerating case, ё/е,
 * abbreviations and a few typos; the canonical Russian name is what submissions, station pages and
 * filters use.
 */

export const REGION_KINDS = ['subject', 'occupied', 'country'] as const;
export type RegionKind = (typeof REGION_KINDS)[number];

/** GeoJSON (longitude, latitude) rings: the first ring of each polygon is its outline, the others holes. */
export type RegionBoundary = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

export type Region = {
  code: string;
  kind: RegionKind;
  name_ru: string;
  name_en: string;
  aliases: string[];
  boundary: RegionBoundary | null;
};

/** Words that say what kind of region it is, not which: "Свердловская обл." is Свердловская область. */
const GENERIC_WORDS = new Set([
  'область', 'обл', 'край', 'республика', 'респ', 'автономный', 'автономная', 'округ', 'ао', 'город', 'г', 'федерального', 'значения',
  'oblast', 'region', 'krai', 'kray', 'territory', 'republic', 'of', 'the', 'autonomous', 'okrug', 'district', 'city',
]);

/** Lower case, ё as е, any dash or punctuation as a space, spaces collapsed. */
export function normalizeRegionText(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The words that name the region itself ("свердловская"), or the whole text when it has no other. */
function coreOf(normalized: string): string {
  const core = normalized.split(' ').filter((w) => !GENERIC_WORDS.has(w)).join(' ');
  return core || normalized;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b, or more than `max` as soon as that is certain. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** Typos tolerated: none in a short word (Тыва/Тува are aliases), one in 5-8 letters, two beyond. */
const toleratedEdits = (length: number) => (length < 5 ? 0 : length <= 8 ? 1 : 2);

/** A region's names normalised once, as matchRegion compares them. */
type IndexedRegion = { region: Region; names: string[]; cores: string[] };
type RegionIndex = { entries: IndexedRegion[]; byName: Map<string, Region[]>; byCore: Map<string, Region[]>; matched: Map<string, Region | null> };

/**
 * How many texts' answers each list keeps (then it starts afresh): a station page asks for its
 * region on every request, and a region the list does not hold ("Регион 70", a misspelt one
 * kept as typed) cost a typo scan of every name, about a millisecond, each time.
 */
const MATCHES_KEPT = 4096;

/**
 * The list's names normalised and keyed once per list (the service's list lives as long as the
 * process): normalising every name of 300-odd regions on each call was most of a submission's CPU
 * outside the bytes.
 */
const indexes = new WeakMap<readonly Region[], RegionIndex>();

function indexOf(regions: readonly Region[]): RegionIndex {
  let index = indexes.get(regions);
  if (index) return index;
  index = { entries: [], byName: new Map(), byCore: new Map(), matched: new Map() };
  const addTo = (map: Map<string, Region[]>, key: string, region: Region) => {
    const list = map.get(key);
    if (!list) map.set(key, [region]);
    else if (list.at(-1) !== region) list.push(region); // each region once, in the list's order
  };
  for (const region of regions) {
    const names = [region.name_ru, region.name_en, region.code, ...region.aliases].map(normalizeRegionText);
    const cores = names.map(coreOf);
    index.entries.push({ region, names, cores });
    for (const n of names) addTo(index.byName, n, region);
    for (const c of cores) addTo(index.byCore, c, region);
  }
  indexes.set(regions, index);
  return index;
}

/**
 * The region an observer meant, or null when nothing is close enough or two regions are equally
 * close. Exact names (either language), codes and aliases win; then the name without its kind
 * ("Свердловская" for Свердловская область); then a few typos.
 */
export function matchRegion(regions: readonly Region[], typed: string): Region | null {
  const text = normalizeRegionText(typed);
  if (!text) return null;
  const index = indexOf(regions);
  const known = index.matched.get(text);
  if (known !== undefined) return known;
  const match = matchNormalized(index, text);
  if (index.matched.size >= MATCHES_KEPT) index.matched.clear();
  index.matched.set(text, match);
  return match;
}

function matchNormalized(index: RegionIndex, text: string): Region | null {
  const core = coreOf(text);

  const exact = index.byName.get(text) ?? [];
  if (exact.length === 1) return exact[0]!;
  const byCore = index.byCore.get(core) ?? [];
  if (byCore.length === 1) return byCore[0]!;
  if (byCore.length > 1) return byCore.find((r) => r.kind !== 'country' && exact.includes(r)) ?? null;

  // Typos in the name itself ("Масква"), or in its kind ("Свердловская облась").
  const max = toleratedEdits(core.length);
  const maxWhole = toleratedEdits(text.length);
  if (max === 0 && maxWhole === 0) return null;
  let best: { region: Region; distance: number } | null = null;
  let tie = false;
  for (const { region, names, cores } of index.entries) {
    let distance = Infinity;
    for (let i = 0; i < names.length; i++) {
      if (max) distance = Math.min(distance, editDistance(core, cores[i]!, max));
      if (maxWhole) distance = Math.min(distance, editDistance(text, names[i]!, maxWhole));
    }
    if (distance > Math.max(max, maxWhole)) continue;
    if (!best || distance < best.distance) {
      best = { region, distance };
      tie = false;
    } else if (distance === best.distance && best.region !== region) tie = true;
  }
  return best && !tie ? best.region : null;
}

/** Ray casting over one ring of (lon, lat) points. */
function insideRing(ring: number[][], lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const KM_PER_DEGREE = 111.32;

/**
 * Distance in km from a point to the segment a–b (GeoJSON longitude, latitude), on a plane around
 * the point: ample for the few kilometres it decides; longitudes are taken across the antimeridian
 * the short way.
 */
export function segmentDistanceKm(point: { lat: number; lon: number }, a: number[], b: number[]): number {
  const k = Math.cos((point.lat * Math.PI) / 180);
  const east = (lon: number) => ((((lon - point.lon + 540) % 360) - 180) * k);
  const [ax, ay] = [east(a[0]!), a[1]! - point.lat];
  const [bx, by] = [east(b[0]!), b[1]! - point.lat];
  const [dx, dy] = [bx - ax, by - ay];
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / length2));
  return Math.hypot(ax + t * dx, ay + t * dy) * KM_PER_DEGREE;
}

/** How far (km) a point lies outside a boundary: 0 within it, else the distance to its nearest edge. */
export function kmOutside(boundary: RegionBoundary, point: { lat: number; lon: number }): number {
  if (boundaryContains(boundary, point)) return 0;
  const polygons = boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates;
  let nearest = Infinity;
  for (const ring of polygons.flat()) {
    for (let i = 1; i < ring.length; i++) nearest = Math.min(nearest, segmentDistanceKm(point, ring[i - 1]!, ring[i]!));
  }
  return nearest;
}

type Box = { minLon: number; minLat: number; maxLon: number; maxLat: number };

/** Each polygon's outline box, computed once per boundary: a point outside it is outside the polygon (an even number of crossings). */
const outlineBoxes = new WeakMap<RegionBoundary, (Box | null)[]>();

function boxesOf(boundary: RegionBoundary, polygons: number[][][][]): (Box | null)[] {
  let boxes = outlineBoxes.get(boundary);
  if (!boxes) {
    boxes = polygons.map(([outline]) => {
      if (!outline?.length) return null;
      const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
      for (const [lon, lat] of outline as [number, number][]) {
        box.minLon = Math.min(box.minLon, lon);
        box.maxLon = Math.max(box.maxLon, lon);
        box.minLat = Math.min(box.minLat, lat);
        box.maxLat = Math.max(box.maxLat, lat);
      }
      return box;
    });
    outlineBoxes.set(boundary, boxes);
  }
  return boxes;
}

/** Whether a point lies within a boundary: inside an outline and outside its holes. */
export function boundaryContains(boundary: RegionBoundary, point: { lat: number; lon: number }): boolean {
  const polygons = boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates;
  const boxes = boxesOf(boundary, polygons);
  return polygons.some(([outline, ...holes], i) => {
    const box = boxes[i];
    if (!outline || !box || point.lon < box.minLon || point.lon > box.maxLon || point.lat < box.minLat || point.lat > box.maxLat) return false;
    return insideRing(outline, point.lon, point.lat) && !holes.some((h) => insideRing(h, point.lon, point.lat));
  });
}
