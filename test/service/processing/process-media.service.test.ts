/**
 * Which flags processing gives a photo, for which metadata and which claim: processMediaFile on
 * in-memory repositories and blob store, with a media toolkit whose image header (EXIF, XMP) the
 * test writes, so the real metadata reader and claim checks decide.
 */
import { createHash } from 'node:crypto';
import type { Extraction, ObserverClaimRow } from '../../../db/media.repo';
import type { MediaFile, RelatedFile } from '../../../domain/media/model';
import type { Region } from '../../../domain/regions/model';
import { processMediaFile } from '../../../domain/processing/process-media.service';
import { FakeBlobStore } from '../../fakes/blob-store';
import { fakeContext } from '../../fakes/context';
import { fakeDatabase } from '../../fakes/database';
import { FakeMediaToolkit } from '../../fakes/media-toolkit';
import { TAGS, dms, exifBlock, type ExifTag } from '../../helpers/exif-block';

/** Polling station 1234, as the register places it (central Moscow). */
const STATION = { lat: 55.7539, lon: 37.6208 };
const CLAIM: ObserverClaimRow = {
  happened_at: '2026-03-15T10:00', voting_starts_on: '2026-03-15', voting_ends_on: '2026-03-15', station_lat: STATION.lat, station_lon: STATION.lon, region_code: 'RU-MOW',
};
/** The claimed region, with a rough box for its boundary (the real outlines are tested in test/db/regions.repo.test.ts). */
const MOSCOW: Region = {
  code: 'RU-MOW', kind: 'subject', name_ru: 'Москва', name_en: 'Moscow', aliases: [],
  boundary: { type: 'Polygon', coordinates: [[[36.8, 55.1], [38, 55.1], [38, 56.1], [36.8, 56.1], [36.8, 55.1]]] },
};
const BYTES = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a photo')]);
const SHA256 = createHash('sha256').update(BYTES).digest('hex');

const receivedFile = (): MediaFile => ({
  id: 'm-1', submission_id: 's-1', sha256: SHA256, bytes: BYTES.length, mime: 'image/jpeg', kind: 'image', position: 0,
  original_name: 'IMG_1.jpg', status: 'received', failure_reason: null, retry_reason: null, attempts: 0, width: null, height: null, orientation: null,
  duration_s: null, taken_at_local: null, taken_at_offset: null, offset_source: null, taken_at_utc: null, taken_at_source: null,
  gps_lat: null, gps_lon: null, gps_alt: null, gps_source: null, make: null, model: null, software: null, flags: [], metadata: null,
  has_thumb: false, has_preview: false, has_contact: false, preview_owed: false, phash: null, content_identifier: null,
});

type Saved = { extraction: Extraction; outcome: { status: string } };

function processing(claim: ObserverClaimRow | null = CLAIM) {
  const tables = {
    file: receivedFile(),
    claim,
    related: [] as RelatedFile[],
    saved: null as Saved | null,
    partnerFlags: {} as Record<string, string[]>,
    clusterLinks: [] as { id: string; partners: { id: string; reason: string }[]; inTransaction: boolean }[],
    /** Reports linked to their station's cluster (again: the upload did it first). */
    stationLinks: [] as string[],
    copyHashes: [] as { fileId: string; kind: string; sha256: string }[],
    storedCopies: [] as { key: string; name: string; sha256: string }[],
  };
  const db = fakeDatabase(tables, (t) => ({
    regions: { listRegions: async () => [MOSCOW] },
    clusters: {
      linkSubmission: async (id, partners) => {
        t.clusterLinks.push({ id, partners, inTransaction: db.inTransaction });
        return partners.length ? id : null;
      },
      linkSameStation: async (id) => {
        t.stationLinks.push(id);
        return null;
      },
    },
    replication: {
      recordStoredDerivative: async ({ key, name, sha256 }) => void t.storedCopies.push({ key, name, sha256 }),
    },
    media: {
      startProcessing: async (id) => (id === t.file.id ? { ...t.file, status: 'processing' } : null),
      findObserverClaim: async () => t.claim,
      lockRelationLookup: async () => undefined,
      findRelatedFiles: async () => t.related,
      addFlag: async (ids, flag) => {
        for (const id of ids) t.partnerFlags[id] = [...(t.partnerFlags[id] ?? []), flag];
      },
      saveExtraction: async (_id, extraction, outcome) => {
        t.saved = { extraction, outcome };
      },
      recordDerivativeHashes: async (fileId, copies) => {
        t.copyHashes.push(...copies.map((c) => ({ fileId, ...c })));
      },
    },
  }));
  const blobs = new FakeBlobStore();
  blobs.originals.set(SHA256, BYTES);
  const media = new FakeMediaToolkit();
  const ctx = fakeContext(db, { blobs, media });
  const flagsOf = async (header: { ifd0?: ExifTag[]; exif?: ExifTag[]; gps?: ExifTag[] } | null, xmp: string | null = null) => {
    media.header = { ...media.header, exif: header ? exifBlock(header) : null, xmp: xmp === null ? null : Buffer.from(xmp) };
    expect(await processMediaFile(ctx, 'm-1')).toBe('ready');
    return db.tables.saved!.extraction.flags;
  };
  return { db, blobs, flagsOf };
}

const CAMERA: ExifTag[] = [{ tag: TAGS.make, ascii: 'Canon' }, { tag: TAGS.model, ascii: 'Canon EOS 6D' }];
const takenAt = (local: string): ExifTag[] => [{ tag: TAGS.dateTimeOriginal, ascii: local }, { tag: TAGS.offsetTimeOriginal, ascii: '+03:00' }];
const gpsAt = (lat: number, lon: number): ExifTag[] => [
  { tag: TAGS.latRef, ascii: lat < 0 ? 'S' : 'N' }, { tag: TAGS.lat, rationals: dms(lat) },
  { tag: TAGS.lonRef, ascii: lon < 0 ? 'W' : 'E' }, { tag: TAGS.lon, rationals: dms(lon) },
];
const xmpPacket = (description: string) =>
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" ${description}/></rdf:RDF></x:xmpmeta>`;

describe('processing: the flags of a photo', () => {
  test('a camera photo taken at the stated station and time carries none', async () => {
    const { db, flagsOf } = processing();
    expect(await flagsOf({ ifd0: CAMERA, exif: takenAt('2026:03:15 10:20:00'), gps: gpsAt(55.7541, 37.6212) })).toEqual([]);
    expect(db.tables.saved!.extraction).toMatchObject({ make: 'Canon', takenAtLocal: '2026-03-15T10:20:00', gps: { lat: expect.closeTo(55.7541, 4) } });
  });

  test('nothing that ties it to a time, place or device: no_metadata, and no claim can be checked', async () => {
    const { flagsOf } = processing();
    expect(await flagsOf(null)).toEqual(['no_metadata']);
  });

  test('taken hours from the stated time, or on another day: time_mismatch', async () => {
    const { flagsOf } = processing();
    expect(await flagsOf({ ifd0: CAMERA, exif: takenAt('2026:03:15 19:30:00') })).toEqual(['time_mismatch']);
    expect(await flagsOf({ ifd0: CAMERA, exif: takenAt('2026:03:12 10:00:00') })).toEqual(['time_mismatch']);
  });

  test('taken far from the stated station: place_mismatch; a station without a place: the claimed region decides (region_mismatch)', async () => {
    const spb = gpsAt(59.9398, 30.3146);
    const noPlace = { ...CLAIM, station_lat: null, station_lon: null };
    const at = (gps: ExifTag[]) => ({ ifd0: CAMERA, exif: takenAt('2026:03:15 10:00:00'), gps });
    expect(await processing().flagsOf(at(spb))).toEqual(['place_mismatch']);
    expect(await processing(noPlace).flagsOf(at(spb))).toEqual(['region_mismatch']);
    // within the region, or just across its border (inside the margin), is no mismatch
    expect(await processing(noPlace).flagsOf(at(gpsAt(55.6, 37.5)))).toEqual([]);
    expect(await processing(noPlace).flagsOf(at(gpsAt(55.6, 38.1)))).toEqual([]);
    // a region that is not in the list, or has no boundary, cannot be checked
    expect(await processing({ ...noPlace, region_code: null }).flagsOf(at(spb))).toEqual([]);
  });

  test('GPS at 0,0 is no fix: gps_invalid, and the place is not compared', async () => {
    const { db, flagsOf } = processing();
    expect(await flagsOf({ ifd0: CAMERA, exif: takenAt('2026:03:15 10:00:00'), gps: gpsAt(0, 0) })).toEqual(['gps_invalid']);
    expect(db.tables.saved!.extraction.gps).toBeNull();
  });

  test('an editor named in EXIF Software or in XMP: edited', async () => {
    const { flagsOf } = processing();
    expect(await flagsOf({ ifd0: [...CAMERA, { tag: TAGS.software, ascii: 'Adobe Photoshop 25.0 (Windows)' }], exif: takenAt('2026:03:15 10:00:00') })).toEqual(['edited']);
    const xmp = xmpPacket('xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Snapseed 2.0"');
    expect(await flagsOf({ ifd0: CAMERA, exif: takenAt('2026:03:15 10:00:00') }, xmp)).toEqual(['edited']);
  });

  test('without a claim (no observer statement found) only the file’s own flags are given', async () => {
    const { flagsOf } = processing(null);
    expect(await flagsOf({ ifd0: CAMERA, exif: takenAt('2026:03:12 10:00:00'), gps: gpsAt(59.9398, 30.3146) })).toEqual([]);
  });

  test('several at once, in step order: metadata, claim, relations; the partner file is flagged too', async () => {
    const { db, flagsOf } = processing();
    db.tables.related = [{ relation: 'exact_duplicate', file_id: 'm-9', submission_id: 's-9', original_name: 'copy.jpg', distance: 0 }];
    const header = { ifd0: [...CAMERA, { tag: TAGS.software, ascii: 'GIMP 2.10' }], exif: takenAt('2026:03:15 22:00:00'), gps: gpsAt(59.9398, 30.3146) };
    expect(await flagsOf(header)).toEqual(['edited', 'time_mismatch', 'place_mismatch', 'exact_duplicate']);
    expect(db.tables.partnerFlags).toEqual({ 'm-9': ['exact_duplicate'] });
    // and the two submissions become one cluster in the moderators' queue
    expect(db.tables.clusterLinks.at(-1)?.partners).toEqual([{ id: 's-9', reason: 'exact_duplicate' }]);
    // after the file's transaction: the clusters' lock is not held across this worker's waits
    expect(db.tables.clusterLinks.at(-1)?.inTransaction).toBe(false);
    // its report joins its station's cluster again (the upload's link may have died with its process)
    expect(db.tables.stationLinks).toEqual(['s-1']);
  });
});

describe('processing: the copies it makes', () => {
  test('the SHA-256 of every copy written is recorded for the file, so the hash look-up can recognise it', async () => {
    const { db, blobs, flagsOf } = processing();
    await flagsOf(null);
    const written = [...blobs.derivatives].map(([key, data]) => ({ fileId: 'm-1', kind: key.split('/')[1], sha256: createHash('sha256').update(data).digest('hex') }));
    expect(written.map((c) => c.kind).sort()).toEqual(['preview', 'thumb']);
    expect(db.tables.copyHashes.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(written.sort((a, b) => a.kind.localeCompare(b.kind)));
  });

  test('every copy stored is recorded under its original with its SHA-256, for the replicas and a restore', async () => {
    const { db, blobs, flagsOf } = processing();
    await flagsOf(null);
    const stored = [...blobs.derivatives].map(([key, data]) => ({ key: key.split('/')[0], name: key.split('/')[1], sha256: createHash('sha256').update(data).digest('hex') }));
    expect(stored.every((c) => c.key === SHA256)).toBe(true);
    expect(db.tables.storedCopies.sort((a, b) => a.name.localeCompare(b.name))).toEqual(stored.sort((a, b) => a.name!.localeCompare(b.name!)));
  });
});
