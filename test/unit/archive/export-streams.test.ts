import { Readable } from 'node:stream';
import { jsonArrayTransform } from '../../../api/archive/archive.export';
import { EXPORT_FIELDS, toExportRecord, type ExportEntry } from '../../../domain/archive/model';

/** The JSON export passes records on in chunks: whatever the chunk boundaries, the array is whole. */

async function collect(rows: object[], transform: NodeJS.ReadWriteStream): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of Readable.from(rows).pipe(transform)) chunks.push(String(chunk));
  return chunks;
}

const row = (i: number): ExportEntry => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  election_id: 1,
  election_name_ru: 'Выборы',
  election_name_en: 'Election',
  region: 'Москва',
  station_number: String(i),
  category_code: 'ballot_stuffing',
  category_label_ru: 'Вброс',
  category_label_en: 'Stuffing',
  published_at: new Date(Date.UTC(2024, 2, 17, 12, 0, i % 60)),
  verified_at: new Date(Date.UTC(2024, 2, 17, 12)),
  captured_at: i % 2 ? null : new Date(Date.UTC(2024, 2, 17, 9)),
  has_photo: true,
  has_video: false,
  file_count: 1,
  lat: null,
  lon: null,
  title: i % 3 ? null : `"Title" ${i}`,
  description: `Описание ${i}, "с кавычками"\nи переводом строки`,
  sha256: ['ab'.repeat(32)],
});

describe('JSON export stream', () => {
  test('a record has the export fields in their order (the CSV header is the same list, db/archive.repo.ts)', () => {
    expect(Object.keys(toExportRecord(row(1), 'https://example.org/archive/'))).toEqual([...EXPORT_FIELDS]);
  });

  test('JSON: an empty export is an empty array; thousands of rows arrive in several chunks and parse whole', async () => {
    expect(JSON.parse((await collect([], jsonArrayTransform('https://example.org'))).join(''))).toEqual([]);
    const rows = Array.from({ length: 3000 }, (_, i) => row(i));
    const chunks = await collect(rows, jsonArrayTransform('https://example.org'));
    expect(chunks.length).toBeGreaterThan(3);
    const parsed = JSON.parse(chunks.join('')) as { id: string; url: string; description: string; captured_at: string | null }[];
    expect(parsed.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(parsed[7]).toEqual(expect.objectContaining({ url: `https://example.org/archive/${rows[7]!.id}`, description: rows[7]!.description, captured_at: null }));
  });
});
