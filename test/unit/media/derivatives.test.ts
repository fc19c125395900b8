import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { MAX_INPUT_PIXELS, PREVIEW_EDGE, THUMB_EDGE } from '../../../domain/media/derivatives';
import { MediaError } from '../../../domain/media/errors';
import { detectFileType, SNIFF_BYTES, type DetectedType } from '../../../domain/media/file-type';
import { extractMetadata } from '../../../domain/media/metadata';
import { describeWithFixtures, loadExpected, fixtureHead, fixturePath, type ExpectedFile } from '../../helpers/fixtures';
import { createMediaToolkit } from '../../../infra/compose';
import { readHeifItems } from '../../../domain/media/heif';

const media = createMediaToolkit();

const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-derivatives-test-'));
afterAll(() => fs.rmSync(outputDir, { recursive: true, force: true }));

const JPEG_TYPE: DetectedType = { mime: 'image/jpeg', kind: 'image', format: 'jpeg' };
const PNG_TYPE: DetectedType = { mime: 'image/png', kind: 'image', format: 'png' };

/** The size the derivative is made from: the display size, except the DNG, rendered from its embedded preview. */
const sourceSize = (e: ExpectedFile) =>
  e.mime === 'image/x-adobe-dng' ? { w: e.vips_width!, h: e.vips_height! } : { w: e.display_width!, h: e.display_height! };

async function expectSizedAndClean(jpeg: Buffer, edge: number, source: { w: number; h: number }): Promise<void> {
  const m = await sharp(jpeg).metadata();
  expect(m.format).toBe('jpeg');
  const longEdge = Math.min(edge, Math.max(source.w, source.h));
  expect(Math.max(m.width!, m.height!)).toBe(longEdge);
  // Display orientation is kept: a portrait source gives a portrait derivative.
  expect(m.height! > m.width!).toBe(source.h > source.w);
  expect(Math.abs(m.width! / m.height! - source.w / source.h)).toBeLessThan(0.02);
  expect({ exif: m.exif, xmp: m.xmp, icc: m.icc, iptc: m.iptc }).toEqual({ exif: undefined, xmp: undefined, icc: undefined, iptc: undefined });
}

describeWithFixtures('renderDerivatives on every fixture', () => {
  const renderable = loadExpected().filter((e) => e.bytes > 0);

  test.each(renderable.map((e) => [e.file, e] as const))('%s', async (file, expected) => {
    const type = detectFileType(fixtureHead(file, SNIFF_BYTES))!;
    const meta = await extractMetadata(media, fixturePath(file), type);
    const result = await media.renderDerivatives(fixturePath(file), type, meta);
    // A HEIC with an embedded thumbnail is ready from that alone, its preview the later full decode;
    // one without is decoded once, in full, and comes with its preview.
    if (type.format === 'heic') expect(result.preview === null).toBe(readHeifItems(fs.readFileSync(fixturePath(file))).thumbnail !== null);
    const preview = result.preview ?? (await media.renderFullPreview(fixturePath(file), type, meta)).preview;
    await expectSizedAndClean(preview, PREVIEW_EDGE, sourceSize(expected));
    await expectSizedAndClean(result.thumb, THUMB_EDGE, sourceSize(expected));
    if (expected.vips_decode_ok_fail_on_warning === false) expect(result.warnings.join(' ')).toMatch(/damaged/);
    fs.writeFileSync(path.join(outputDir, `${file}.preview.jpg`), preview);
    fs.writeFileSync(path.join(outputDir, `${file}.thumb.jpg`), result.thumb);
  });

  test('exiftool, reading independently, finds no location, device or software in any derivative', () => {
    const files = fs.readdirSync(outputDir).map((f) => path.join(outputDir, f));
    expect(files.length).toBe(renderable.length * 2);
    const tags = JSON.parse(execFileSync('exiftool', ['-json', '-a', '-G1', ...files], { encoding: 'utf8' })) as Record<string, unknown>[];
    for (const fileTags of tags) {
      const identifying = Object.keys(fileTags).filter((k) => /GPS|Make|Model|Serial|Software|Creator|History/i.test(k));
      const metadataGroups = Object.keys(fileTags).filter((k) => /^(IFD0|ExifIFD|GPS|XMP|XMP-[\w-]+|IPTC|ICC_Profile|ICC-\w+|MakerNotes|Apple|Photoshop):/.test(k));
      expect({ file: fileTags.SourceFile, identifying, metadataGroups }).toEqual({ file: fileTags.SourceFile, identifying: [], metadataGroups: [] });
    }
  });

  test('a contact sheet covers a video as a 3×3 grid in its display orientation', async () => {
    const portrait = loadExpected().find((e) => e.kind === 'video' && e.display_height! > e.display_width!)!;
    const type = detectFileType(fixtureHead(portrait.file, SNIFF_BYTES))!;
    const sheet = await media.renderContactSheet(fixturePath(portrait.file), await extractMetadata(media, fixturePath(portrait.file), type));
    const m = await sharp(sheet).metadata();
    expect(m.format).toBe('jpeg');
    expect(Math.max(m.width!, m.height!)).toBeLessThanOrEqual(PREVIEW_EDGE);
    expect(Math.abs(m.width! / m.height! - portrait.display_width! / portrait.display_height!)).toBeLessThan(0.02);
    expect(m.exif).toBeUndefined();
  });

  test('the zero-byte file is refused with a MediaError', async () => {
    const empty = loadExpected().find((e) => e.bytes === 0)!;
    await expect(media.renderDerivatives(fixturePath(empty.file), JPEG_TYPE, await extractMetadata(media, fixturePath(empty.file), JPEG_TYPE))).rejects.toMatchObject({
      name: 'MediaError',
      code: 'unsupported',
    });
  });
});

/** A valid PNG that declares width × height but carries a tiny IDAT: a classic decompression bomb. */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('hostile and non-media input', () => {
  test('a decompression bomb fails fast with MediaError, before decoding', async () => {
    const side = 30_000;
    expect(side * side).toBeGreaterThan(MAX_INPUT_PIXELS);
    const file = path.join(outputDir, 'bomb.png');
    fs.writeFileSync(file, pngDeclaring(side, side));
    expect(detectFileType(fs.readFileSync(file))).toMatchObject({ format: 'png' });
    const meta = await extractMetadata(media, file, PNG_TYPE);
    expect({ width: meta.width, height: meta.height }).toEqual({ width: side, height: side });
    const started = Date.now();
    const error = await media.renderDerivatives(file, PNG_TYPE, meta).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ code: 'decompression_bomb' });
    expect(Date.now() - started).toBeLessThan(2000);
    fs.rmSync(file);
  });

  test('text presented as a JPEG is refused with MediaError, and metadata reading does not throw', async () => {
    const file = path.join(outputDir, 'notes.jpg');
    fs.writeFileSync(file, 'this is not a photo\n'.repeat(100));
    const meta = await extractMetadata(media, file, JPEG_TYPE);
    expect(meta.warnings.length).toBeGreaterThan(0);
    await expect(media.renderDerivatives(file, JPEG_TYPE, meta)).rejects.toBeInstanceOf(MediaError);
    fs.rmSync(file);
  });
});
