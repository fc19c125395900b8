/**
 * The long-running HEVC decoder (infra/media/hevc-decoder.ts) on the real HEIC fixtures: what it
 * gives is the picture the one-process-per-file path gives (size and orientation, pixel for pixel
 * within scaling noise) and the picture libheif gives (an independent decoder); one ffmpeg serves
 * file after file; and a decoder that dies, is fed garbage or is killed mid-request is replaced,
 * with the file decoded alone instead.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { PREVIEW_EDGE, THUMB_EDGE } from '../../../domain/media/derivatives';
import { asHeifFile, readHeifItems, type HeifImage } from '../../../domain/media/heif';
import { decodeHeifImage, decodeHeifImageShared } from '../../../infra/media/heif-decode';
import { HevcDecoder, HevcDecoderFailure, sharedHevcDecoder } from '../../../infra/media/hevc-decoder';
import { describeWithFixtures, fixturePath, loadExpected } from '../../helpers/fixtures';

type Pixels = { data: Buffer; info: sharp.OutputInfo };

const heics = () => loadExpected().filter((e) => e.mime === 'image/heic');
const itemsOf = (file: string) => readHeifItems(fs.readFileSync(fixturePath(file)));

/** Mean absolute difference of two pictures squeezed to 32×32 grey (0…255): a few units for the same picture, tens for a turned or mirrored one. */
async function difference(a: Pixels | Buffer, b: Pixels): Promise<number> {
  const grey = (p: Pixels | Buffer) =>
    (Buffer.isBuffer(p) ? sharp(p) : sharp(p.data, { raw: { width: p.info.width, height: p.info.height, channels: p.info.channels } }))
      .greyscale()
      .resize(32, 32, { fit: 'fill' })
      .raw()
      .toBuffer();
  const [x, y] = await Promise.all([grey(a), grey(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-heic-decoder-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** libheif's own decode (heif-convert), applying the file's turns and mirrors itself. Asynchronous, so that it runs beside our own decode (3 s a 12 MP file, most of it PNG compression). */
let decodes = 0;
async function viaLibheif(file: string): Promise<Buffer> {
  const out = path.join(tmp, `${decodes++}-${path.basename(file)}.png`); // never one output for two decodes at once
  await promisify(execFile)('heif-convert', ['--quiet', file, out]);
  return fs.readFileSync(out);
}

describeWithFixtures('the shared HEVC decoder on the HEIC fixtures', () => {
  test.each(heics().map((e) => [e.file, e] as const))('%s: the same picture as the one-shot path and as libheif', async (file, expected) => {
    const items = itemsOf(file);
    const long = Math.max(expected.display_width!, expected.display_height!);
    for (const edge of [PREVIEW_EDGE, THUMB_EDGE]) {
      // At once: the shared decoder and the one-shot process are separate processes.
      const [shared, alone] = await Promise.all([decodeHeifImageShared(items.primary, { edge }), decodeHeifImage(items.primary, { threads: 1, edge })]);
      // The display size expected.json records (exiftool), brought down to the edge.
      expect(Math.max(shared.info.width, shared.info.height)).toBe(Math.min(edge, long));
      expect(shared.info.height > shared.info.width).toBe(expected.display_height! > expected.display_width!);
      expect(Math.abs(shared.info.width / shared.info.height - expected.display_width! / expected.display_height!)).toBeLessThan(0.01);
      expect([shared.info.width, shared.info.height]).toEqual([alone.info.width, alone.info.height]);
      expect(await difference(shared, alone)).toBeLessThan(4);
    }
    if (items.thumbnail) {
      const shared = await decodeHeifImageShared(items.thumbnail, { edge: THUMB_EDGE });
      expect(shared.info.height > shared.info.width).toBe(expected.display_height! > expected.display_width!);
      // libheif reads the thumbnail alone (rewrapped as a HEIF of its own) and turns it itself.
      const alone = path.join(tmp, `${file}.thumbnail.heic`);
      fs.writeFileSync(alone, asHeifFile(items.thumbnail));
      expect(await difference(await viaLibheif(alone), shared)).toBeLessThan(4);
    }
  });

  test('a turned photo and a cropped grid match libheif decoding the whole file', async () => {
    const turned = heics().find((e) => e.orientation === 6 || e.orientation === 8)!;
    const cropped = heics().find((e) => /cropped/.test(e.file))!;
    // Both libheif decodes at once, beside the shared decoder's (each is one process of its own).
    const references = [turned, cropped].map((e) => viaLibheif(fixturePath(e.file)));
    for (const r of references) r.catch(() => undefined);
    for (const [n, e] of [turned, cropped].entries()) {
      const shared = await decodeHeifImageShared(itemsOf(e.file).primary, { edge: PREVIEW_EDGE });
      expect(await difference(await references[n]!, shared)).toBeLessThan(4);
    }
  });

  test('one ffmpeg serves file after file, with the same pixels each time', async () => {
    const decoder = new HevcDecoder(2);
    try {
      const images = heics().flatMap((e) => {
        const items = itemsOf(e.file);
        return items.thumbnail ? [items.primary, items.thumbnail] : [items.primary];
      }).filter((i) => i.tileWidth % 2 === 0 && i.tileHeight % 2 === 0);
      const decode = (i: HeifImage) => decoder.decode(i.bitstream, i.columns * i.rows, i.tileWidth, i.tileHeight);
      const first = await Promise.all(images.map(decode)); // queued: one at a time
      const again = [];
      for (const i of [...images].reverse()) again.unshift(await decode(i));
      for (const [n, i] of images.entries()) {
        expect(first[n]!.length).toBe((i.tileWidth / 2) * (i.tileHeight / 2) * 3 * i.columns * i.rows);
        expect(first[n]!.equals(again[n]!)).toBe(true);
      }
      expect(decoder.starts).toBe(1);
      // Its address space is capped.
      expect(fs.readFileSync(`/proc/${decoder.pid}/limits`, 'utf8')).toMatch(/Max address space\s+1073741824\s+1073741824/);
    } finally {
      decoder.close();
    }
  });
});

describeWithFixtures('a shared HEVC decoder that fails', () => {
  const thumbnailOf = () => {
    const withThumbnail = heics().map((e) => itemsOf(e.file).thumbnail).find((t) => t !== null)!;
    return withThumbnail;
  };

  test('garbage fails the request only; the next request gets a fresh decoder and the right picture', async () => {
    const decoder = new HevcDecoder(1);
    try {
      const good = thumbnailOf();
      const expected = await decoder.decode(good.bitstream, 1, good.tileWidth, good.tileHeight);
      const garbage = Buffer.concat([Buffer.from([0, 0, 0, 1, 0x26, 0x01]), Buffer.alloc(4000, 0x5a)]); // an IDR slice of nonsense, no parameter sets
      await expect(decoder.decode(garbage, 1, good.tileWidth, good.tileHeight)).rejects.toBeInstanceOf(HevcDecoderFailure);
      const after = await decoder.decode(good.bitstream, 1, good.tileWidth, good.tileHeight);
      expect(after.equals(expected)).toBe(true);
      expect(decoder.starts).toBe(2);
    } finally {
      decoder.close();
    }
  }, 30_000);

  test('killed between requests or during one, it is started again; the request it held fails, none waits for ever', async () => {
    const decoder = new HevcDecoder(1);
    try {
      const good = thumbnailOf();
      const grid = itemsOf(heics().find((e) => !itemsOf(e.file).thumbnail)!.file).primary;
      const expected = await decoder.decode(good.bitstream, 1, good.tileWidth, good.tileHeight);
      process.kill(decoder.pid!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      expect((await decoder.decode(good.bitstream, 1, good.tileWidth, good.tileHeight)).equals(expected)).toBe(true);
      const busy = decoder.decode(grid.bitstream, grid.columns * grid.rows, grid.tileWidth, grid.tileHeight);
      const queued = decoder.decode(good.bitstream, 1, good.tileWidth, good.tileHeight);
      process.kill(decoder.pid!, 'SIGKILL');
      await expect(busy).rejects.toBeInstanceOf(HevcDecoderFailure);
      expect((await queued).equals(expected)).toBe(true);
      expect(decoder.starts).toBe(3);
    } finally {
      decoder.close();
    }
  }, 30_000);

  test('tiles that hold more pixels than any photo may are refused before anything is decoded or allocated', async () => {
    const good = thumbnailOf();
    const bomb: HeifImage = { ...good, columns: 32, rows: 32, tileWidth: 4096, tileHeight: 4096, width: 1000, height: 1000 };
    await expect(decodeHeifImageShared(bomb, { edge: THUMB_EDGE })).rejects.toMatchObject({ name: 'MediaError', code: 'decompression_bomb' });
  });

  test('through decodeHeifImageShared, a file the shared decoder cannot answer for is decoded alone: garbage is a MediaError', async () => {
    const good = thumbnailOf();
    const broken: HeifImage = { ...good, bitstream: Buffer.alloc(3000, 0x33) }; // not one NAL unit
    const error = await decodeHeifImageShared(broken, { edge: THUMB_EDGE }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MediaError' });
    // The process's decoder still serves the next file.
    const pixels = await decodeHeifImageShared(good, { edge: THUMB_EDGE });
    expect(pixels.info.width * pixels.info.height).toBeGreaterThan(0);
    expect(sharedHevcDecoder(1).pid).not.toBeNull();
  }, 30_000);
});
