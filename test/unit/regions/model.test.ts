import fs from 'node:fs';
import path from 'node:path';
import { boundaryContains, matchRegion, type Region } from '../../../domain/regions/model';

/** The seeded list itself (migration 014), read from the migration's VALUES rows: the words observers will be matched against. */
function seededRegions(): Region[] {
  const sql = fs.readFileSync(path.resolve(__dirname, '../../../db/migrations/014_video_copies_regions.sql'), 'utf8');
  const rows = [...sql.matchAll(/^\s+\('([A-Z0-9-]+)', '(\w+)', '((?:[^']|'')*)', '((?:[^']|'')*)', (ARRAY\[.*?\]|'\{\}'::text\[\])\)[,;]$/gm)];
  return rows.map(([, code, kind, ru, en, aliases]) => ({
    code: code!,
    kind: kind as Region['kind'],
    name_ru: ru!.replace(/''/g, "'"),
    name_en: en!.replace(/''/g, "'"),
    aliases: aliases!.startsWith('ARRAY') ? [...aliases!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'")) : [],
    boundary: null,
  }));
}

describe('regions as data', () => {
  const regions = seededRegions();
  const match = (typed: string) => matchRegion(regions, typed)?.name_ru ?? null;

  test('the list holds every federal subject, the occupied regions and the countries, named in both languages', () => {
    expect(regions.filter((r) => r.kind === 'subject')).toHaveLength(83);
    expect(regions.filter((r) => r.kind === 'occupied')).toHaveLength(6);
    expect(regions.filter((r) => r.kind === 'country').length).toBeGreaterThan(190);
    expect(regions.find((r) => r.code === 'DE')).toMatchObject({ name_ru: 'Германия', name_en: 'Germany' });
  });

  test.each([
    ['москва', 'Москва'],
    ['МОСКВА', 'Москва'],
    ['г. Москва', 'Москва'],
    ['Moscow', 'Москва'],
    ['Масква', 'Москва'],
    ['Свердловская обл.', 'Свердловская область'],
    ['свердловская', 'Свердловская область'],
    ['Свердловская облась', 'Свердловская область'],
    ['Sverdlovsk Oblast', 'Свердловская область'],
    ['Московская область', 'Московская область'],
    ['Подмосковье', 'Московская область'],
    ['СПб', 'Санкт-Петербург'],
    ['санкт петербург', 'Санкт-Петербург'],
    ['Республика Саха (Якутия)', 'Республика Саха (Якутия)'],
    ['якутия', 'Республика Саха (Якутия)'],
    ['Татарстан', 'Республика Татарстан'],
    ['ХМАО', 'Ханты-Мансийский автономный округ — Югра'],
    ['Кемеровская область', 'Кемеровская область — Кузбасс'],
    ['Германия', 'Германия'],
    ['Germany', 'Германия'],
    ['Казахстан', 'Казахстан'],
    ['Соединённые Штаты', 'Соединенные Штаты'],
  ])('%s is %s', (typed, canonical) => {
    expect(match(typed)).toBe(canonical);
  });

  test('nothing close enough, or two regions equally close, is no match (the text is kept as typed)', () => {
    expect(match('Нарния')).toBeNull();
    expect(match('')).toBeNull();
    expect(match('область')).toBeNull();
  });

  test('each list is matched against its own names (the names are indexed once per list, not once for all)', () => {
    const moscowOnly = regions.filter((r) => r.name_ru === 'Москва');
    expect(matchRegion(moscowOnly, 'Германия')).toBeNull();
    expect(matchRegion(moscowOnly, 'Масква')?.name_ru).toBe('Москва');
    expect(match('Германия')).toBe('Германия');
  });

  test('an answer kept for a text is the same answer, per list, however often and however it is typed again', () => {
    const moscowOnly = regions.filter((r) => r.name_ru === 'Москва');
    for (let i = 0; i < 3; i++) {
      expect(match('Масква')).toBe('Москва');
      expect(match('МАСКВА')).toBe('Москва'); // the same text once normalised
      expect(match('Регион 70')).toBeNull(); // no match is kept too, and stays none
      expect(matchRegion(moscowOnly, 'Германия')).toBeNull();
      expect(match('Германия')).toBe('Германия');
    }
    // more texts than are kept: the list starts afresh and still answers rightly
    for (let n = 0; n < 5000; n++) expect(matchRegion(moscowOnly, `Регион ${n}`)).toBeNull();
    expect(matchRegion(moscowOnly, 'Масква')?.name_ru).toBe('Москва');
    expect(matchRegion(moscowOnly, 'Москва')).toBe(moscowOnly[0]);
  });

  test('a point is within a boundary when inside its outline and outside its holes', () => {
    const square = (x0: number, y0: number, x1: number, y1: number) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
    const boundary = { type: 'MultiPolygon' as const, coordinates: [[square(30, 50, 40, 60), square(34, 54, 36, 56)], [square(100, 10, 101, 11)]] };
    expect(boundaryContains(boundary, { lon: 31, lat: 51 })).toBe(true);
    expect(boundaryContains(boundary, { lon: 35, lat: 55 })).toBe(false); // in the hole
    expect(boundaryContains(boundary, { lon: 100.5, lat: 10.5 })).toBe(true);
    expect(boundaryContains(boundary, { lon: 45, lat: 51 })).toBe(false);
  });
});
