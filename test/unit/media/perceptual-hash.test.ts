import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { parseConfig } from '../../../domain/config';
import { MAX_INPUT_PIXELS } from '../../../domain/media/derivatives';
import { MediaError } from '../../../domain/media/errors';
import { detectFileType, SNIFF_BYTES } from '../../../domain/media/file-type';
import { extractMetadata } from '../../../domain/media/metadata';
import { bandProbes, hammingDistance, PHASH_BANDS, PHASH_INPUT_EDGE, perceptualHash } from '../../../domain/media/perceptual-hash';
import { describeWithFixtures, loadExpected, fixturePath, type ExpectedFile } from '../../helpers/fixtures';
import { createMediaToolkit } from '../../../infra/compose';

const media = createMediaToolkit();

const MAX_DISTANCE = parseConfig({}).nearDuplicateMaxDistance;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-phash-test-'));
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** Exactly what the worker does: sniff, read metadata, renderDerivatives. */
async function render(file: string) {
  const type = detectFileType(fs.readFileSync(file).subarray(0, SNIFF_BYTES))!;
  return media.renderDerivatives(file, type, await extractMetadata(media, file, type));
}

/** The full-size preview: for a HEIC made ready from its embedded thumbnail, the later full decode. */
async function fullPreview(file: string): Promise<Buffer> {
  const type = detectFileType(fs.readFileSync(file).subarray(0, SNIFF_BYTES))!;
  const meta = await extractMetadata(media, file, type);
  return (await media.renderDerivatives(file, type, meta)).preview ?? (await media.renderFullPreview(file, type, meta)).preview;
}

async function workerHash(file: string): Promise<string> {
  const { phash } = await render(file);
  expect(phash).toMatch(/^[0-9a-f]{16}$/);
  return phash;
}

const randomHash = () => [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');

function flipBits(hash: string, count: number): string {
  let value = BigInt(`0x${hash}`);
  const bits = new Set<number>();
  while (bits.size < count) bits.add(Math.floor(Math.random() * 64));
  for (const bit of bits) value ^= 1n << BigInt(bit);
  return value.toString(16).padStart(16, '0');
}

describe('perceptual hash arithmetic', () => {
  test('hammingDistance counts differing bits', () => {
    const a = randomHash();
    for (const k of [0, 1, 7, 64]) expect(hammingDistance(a, flipBits(a, k))).toBe(k);
  });

  test('a flat picture and its negative hash differently, and the input size is enforced', () => {
    const gradient = Uint8Array.from({ length: PHASH_INPUT_EDGE ** 2 }, (_, i) => (i % PHASH_INPUT_EDGE) * 8);
    const inverted = gradient.map((v) => 255 - v);
    expect(hammingDistance(perceptualHash(gradient), perceptualHash(inverted))).toBeGreaterThan(MAX_DISTANCE);
    expect(() => perceptualHash(new Uint8Array(10))).toThrow(/32×32/);
  });

  test('pigeonhole: any hash within the distance shares a probed band value (so the index finds it)', () => {
    for (let round = 0; round < 500; round++) {
      const hash = randomHash();
      const distance = round % (MAX_DISTANCE + 1);
      const probes = bandProbes(hash, MAX_DISTANCE);
      expect(probes).toHaveLength(PHASH_BANDS);
      const near = BigInt(`0x${flipBits(hash, distance)}`);
      const bands = [3, 2, 1, 0].map((shift) => Number((near >> BigInt(shift * 16)) & 0xffffn));
      expect(bands.some((value, band) => probes[band]!.includes(value))).toBe(true);
    }
  });

  test('probes are exactly the values within ⌊d/4⌋ bits of each band, without repeats', () => {
    const hash = randomHash();
    const radius = Math.floor(MAX_DISTANCE / PHASH_BANDS);
    const own = BigInt(`0x${hash}`);
    for (const [band, values] of bandProbes(hash, MAX_DISTANCE).entries()) {
      const ownBand = Number((own >> BigInt((3 - band) * 16)) & 0xffffn);
      expect(new Set(values).size).toBe(values.length);
      const expected = Array.from({ length: 65536 }, (_, v) => v).filter((v) => {
        let x = v ^ ownBand;
        let bits = 0;
        for (; x; x &= x - 1) bits++;
        return bits <= radius;
      });
      expect([...values].sort((a, b) => a - b)).toEqual(expected);
    }
  });
});

describeWithFixtures('perceptual hash on the real fixtures', () => {
  const renderable = loadExpected().filter((e) => e.bytes > 0);
  const hashes = new Map<string, string>();

  beforeAll(async () => {
    for (const e of renderable) hashes.set(e.file, await workerHash(fixturePath(e.file)));
  }, 300_000);

  /**
   * Copies made the way they arrive through messengers and editors: scaled to half, recompressed
   * hard, cropped by 2 % on every side. HEIC is not decodable by sharp, so its copies start from
   * our own rendering of it, which is the same picture.
   */
  async function copiesOf(e: ExpectedFile): Promise<Record<string, Buffer>> {
    const source = e.mime === 'image/heic' ? await fullPreview(fixturePath(e.file)) : fs.readFileSync(fixturePath(e.file));
    const upright = await sharp(source, { failOn: 'none' }).rotate().jpeg({ quality: 95 }).toBuffer();
    const { width, height } = await sharp(upright).metadata();
    const margin = (n: number) => Math.round(n * 0.02);
    return {
      resized: await sharp(upright).resize(Math.round(width! / 2)).jpeg({ quality: 85 }).toBuffer(),
      recompressed: await sharp(upright).jpeg({ quality: 35 }).toBuffer(),
      cropped: await sharp(upright)
        .extract({ left: margin(width!), top: margin(height!), width: width! - 2 * margin(width!), height: height! - 2 * margin(height!) })
        .jpeg({ quality: 90 })
        .toBuffer(),
    };
  }

  const images = loadExpected().filter((e) => e.bytes > 0 && e.kind === 'image');
  test.each(images.map((e) => [e.file, e] as const))('%s: resized, recompressed and cropped copies are near duplicates', async (file, e) => {
    for (const [how, bytes] of Object.entries(await copiesOf(e))) {
      const copy = path.join(workDir, `${how}-${file}.jpg`);
      fs.writeFileSync(copy, bytes);
      const distance = hammingDistance(hashes.get(file)!, await workerHash(copy));
      expect({ how, distance, within: distance <= MAX_DISTANCE }).toEqual({ how, distance, within: true });
    }
  }, 60_000);

  /** The similar-image search hashes bytes in memory through the worker's own pixel → hash path. */
  const decodable = renderable.filter((e) => ['image/jpeg', 'image/png', 'image/webp'].includes(e.mime ?? '') && e.vips_decode_ok_fail_on_warning !== false);
  test.each(decodable.map((e) => [e.file] as const))('%s: hashed from memory exactly as the worker hashes the file', async (file) => {
    expect(await media.perceptualHashOfImage(fs.readFileSync(fixturePath(file)), MAX_INPUT_PIXELS)).toBe(hashes.get(file));
  });

  test('from memory, damaged data, too many pixels and non-images are refused (the worker would render the damaged one)', async () => {
    const truncated = loadExpected().find((e) => e.vips_decode_ok_fail_on_warning === false && e.bytes > 0)!;
    expect(hashes.get(truncated.file)).toMatch(/^[0-9a-f]{16}$/);
    const refusal = (bytes: Buffer, maxPixels: number) =>
      media.perceptualHashOfImage(bytes, maxPixels).then(
        () => null,
        (e: unknown) => (e instanceof MediaError ? e.code : e),
      );
    expect(await refusal(fs.readFileSync(fixturePath(truncated.file)), MAX_INPUT_PIXELS)).toBe('corrupt');
    const photo = fs.readFileSync(fixturePath('huawei-p30_gps_resized.jpg')); // 500 × 375
    expect(await refusal(photo, 500 * 375 - 1)).toBe('decompression_bomb');
    expect(await refusal(photo, 500 * 375)).toBeNull();
    expect(await refusal(Buffer.from('not an image'), MAX_INPUT_PIXELS)).toBe('unsupported');
  });

  test('no two different fixtures are near duplicates', () => {
    // Related by construction, not different pictures: a made-here file and its source, and the
    // still and the video of one Live Photo (same scene, same second).
    const meta = new Map(renderable.map((e) => [e.file, e as ExpectedFile & { derived_from?: string }]));
    const related = (a: string, b: string) => {
      const x = meta.get(a)!;
      const y = meta.get(b)!;
      return x.derived_from === b || y.derived_from === a || (x.apple_content_identifier !== null && x.apple_content_identifier === y.apple_content_identifier);
    };
    const tooClose: string[] = [];
    const files = [...hashes.keys()];
    for (let i = 0; i < files.length; i++) {
      for (let j = i + 1; j < files.length; j++) {
        const distance = hammingDistance(hashes.get(files[i]!)!, hashes.get(files[j]!)!);
        if (!related(files[i]!, files[j]!) && distance <= MAX_DISTANCE) tooClose.push(`${files[i]} ~ ${files[j]}: ${distance}`);
      }
    }
    expect(files.length).toBe(renderable.length);
    expect(tooClose).toEqual([]);
  });
});
