import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from '../../domain/media/derivatives';
import { MediaError } from '../../domain/media/errors';
import { resolveCrop, type HeifImage, type HeifTransform } from '../../domain/media/heif';
import { HevcDecoderFailure, SHRINKS, sharedHevcDecoder } from './hevc-decoder';
import { runTool } from './run-tool';

const FFMPEG_TIMEOUT_MS = 60_000;
const CHANNELS = 3;

/**
 * Decodes one HEIF image item (domain/media/heif.ts) with ffmpeg's HEVC decoder, in one process and
 * one decode: its tiles go in as one raw HEVC stream, ffmpeg lays them side by side (tile), crops
 * to the grid and to the clean aperture, brings the picture down to at most `edge` on its long
 * side, turns and mirrors it as the file says (libheif does the same; the EXIF Orientation of a
 * HEIC is informative only and never applied on top), and hands back raw RGB. No intermediate
 * JPEG, no temporary file, and only the small picture ever reaches this process. The worker decodes
 * through its long-running decoder (decodeHeifImageShared, below); this one ffmpeg per file is what
 * a file goes through alone when that decoder fails on it, and it gives the verdict on the file.
 */
export async function decodeHeifImage(image: HeifImage, opts: { threads: number; edge: number }): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  const { filters, width, height } = filterChain(image, opts.edge);
  const args = [
    '-v', 'error', '-nostdin', '-threads', String(opts.threads), '-f', 'hevc', '-i', 'pipe:0',
    '-vf', filters.join(','), '-frames:v', '1', '-f', 'rawvideo', 'pipe:1',
  ];
  const frameBytes = width * height * CHANNELS;
  const result = await runTool('ffmpeg', args, { timeoutMs: FFMPEG_TIMEOUT_MS, maxStdoutBytes: frameBytes + 1, stdin: image.bitstream });
  if (result.code !== 0 || result.stdout.length !== frameBytes) {
    throw new MediaError('corrupt', `the HEIC image cannot be decoded: ${result.stderr.split('\n')[0] || `${result.stdout.length} of ${frameBytes} bytes`}`);
  }
  return { data: result.stdout, info: { width, height, channels: CHANNELS, format: 'raw', size: frameBytes, premultiplied: false, hasAlpha: false } };
}

/**
 * The largest whole factor each tile can be shrunk by on its own (it divides the tile's sides, so
 * the shrunk tiles still meet edge to edge) while the picture stays at least `edge` on its long
 * side. Shrinking each small tile as it is decoded, before the tiles are laid out, spares building
 * and scaling the full-size picture: a 12 MP grid brought to a thumbnail costs about a third less.
 */
function tileShrink(image: HeifImage, edge: number): number {
  const longSide = Math.max(image.width, image.height);
  for (let k = Math.floor(longSide / edge); k > 1; k--) {
    if (image.tileWidth % k === 0 && image.tileHeight % k === 0) return k;
  }
  return 1;
}

/** ffmpeg's filters for the item's transforms, in the file's order, and the size they end at. */
function filterChain(image: HeifImage, edge: number): { filters: string[]; width: number; height: number } {
  const filters: string[] = [];
  const shrink = tileShrink(image, edge);
  if (shrink > 1) filters.push(`scale=${image.tileWidth / shrink}:${image.tileHeight / shrink}:flags=area`);
  if (image.columns * image.rows > 1) filters.push(`tile=${image.columns}x${image.rows}`);
  const laidOutWidth = (image.tileWidth / shrink) * image.columns;
  const laidOutHeight = (image.tileHeight / shrink) * image.rows;
  /** Output pixels per pixel of the file's picture: crops are given in the latter. */
  let scale = 1 / shrink;
  let width = Math.min(laidOutWidth, Math.max(1, Math.round(image.width * scale)));
  let height = Math.min(laidOutHeight, Math.max(1, Math.round(image.height * scale)));
  if (width !== laidOutWidth || height !== laidOutHeight) filters.push(`crop=${width}:${height}:0:0`);
  let scaled = false;
  // Brought down as soon as no crop at full size is left: the box is square, so the turns after it
  // end at the same size whether they come before or after.
  const bringDown = () => {
    scaled = true;
    const factor = Math.min(1, edge / Math.max(width, height));
    if (factor === 1) return;
    scale *= factor;
    width = Math.max(1, Math.round(width * factor));
    height = Math.max(1, Math.round(height * factor));
    filters.push(`scale=${width}:${height}:flags=area`);
  };
  for (const t of image.transforms) {
    if (t.kind === 'crop') {
      const crop = resolveCrop({ ...t, width: Math.round(t.width * scale), height: Math.round(t.height * scale), dx: t.dx * scale, dy: t.dy * scale }, width, height);
      filters.push(`crop=${crop.width}:${crop.height}:${crop.left}:${crop.top}`);
      ({ width, height } = crop);
      continue;
    }
    if (!scaled) bringDown();
    if (t.kind === 'rotate') {
      const turns = t.quarterTurnsAnticlockwise;
      if (turns === 1) filters.push('transpose=2'); // a quarter turn anticlockwise
      if (turns === 2) filters.push('hflip', 'vflip');
      if (turns === 3) filters.push('transpose=1'); // a quarter turn clockwise
      if (turns % 2 === 1) [width, height] = [height, width];
    } else {
      filters.push(t.axis === 'vertical' ? 'hflip' : 'vflip');
    }
  }
  if (!scaled) bringDown();
  filters.push('format=rgb24');
  return { filters, width, height };
}

/**
 * A HEIF image item decoded by this process's long-running HEVC decoder (./hevc-decoder.ts): no
 * ffmpeg start per file. Its tiles come back as RGB and are laid out here, already cut to the
 * picture; the crops the file gives before any turn are cut at full size, the picture is then
 * brought down to at most `edge` on its long side, and the rest (turns, mirrors, later crops) done
 * on the small picture, in the file's order (libheif's result; the EXIF Orientation of a HEIC is
 * informative only). When the shared decoder fails on it (stalled, died, out of step), the file is
 * decoded alone in an ffmpeg of its own (decodeHeifImage), which says whether the file is at fault.
 */
export async function decodeHeifImageShared(image: HeifImage, opts: { edge: number }): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  const tilePixels = image.columns * image.rows * image.tileWidth * image.tileHeight;
  if (tilePixels > MAX_INPUT_PIXELS) throw new MediaError('decompression_bomb', `the image's tiles hold ${tilePixels} pixels`);
  const shrink = sharedShrink(image, opts.edge);
  let tiles: Buffer;
  try {
    tiles = await sharedHevcDecoder(shrink).decode(image.bitstream, image.columns * image.rows, image.tileWidth, image.tileHeight);
  } catch (e) {
    if (!(e instanceof HevcDecoderFailure)) throw e;
    return decodeHeifImage(image, { threads: 1, edge: opts.edge });
  }
  return placeAndOrient(image, tiles, opts.edge, shrink);
}

/** The largest factor a shared decoder shrinks by that divides the tiles and keeps the picture at least `edge` on its long side. */
function sharedShrink(image: HeifImage, edge: number): number {
  const most = Math.max(image.width, image.height) / edge;
  return Math.max(...SHRINKS.filter((k) => k <= most && image.tileWidth % k === 0 && image.tileHeight % k === 0), 1);
}

/**
 * The decoded tiles (RGB, row by row, each shrunk by `shrink`) laid out, cropped, brought down to
 * `edge` and oriented as the file says.
 */
export async function placeAndOrient(image: HeifImage, tiles: Buffer, edge: number, shrink = 1): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  const tileWidth = image.tileWidth / shrink;
  const tileHeight = image.tileHeight / shrink;
  const { columns, rows } = image;
  const width = Math.min(tileWidth * columns, Math.max(1, Math.round(image.width / shrink)));
  const height = Math.min(tileHeight * rows, Math.max(1, Math.round(image.height / shrink)));
  let data: Buffer;
  if (columns * rows === 1 && width === tileWidth && height === tileHeight) {
    data = tiles;
  } else {
    // Only what lies inside the picture is copied: the grid's own crop costs nothing.
    data = Buffer.allocUnsafe(width * height * CHANNELS);
    const tileBytes = tileWidth * tileHeight * CHANNELS;
    for (let t = 0; t < columns * rows; t++) {
      const x = (t % columns) * tileWidth;
      const y = Math.floor(t / columns) * tileHeight;
      if (x >= width || y >= height) continue;
      const rowBytes = Math.min(tileWidth, width - x) * CHANNELS;
      for (let row = 0; row < tileHeight && y + row < height; row++) {
        const from = t * tileBytes + row * tileWidth * CHANNELS;
        tiles.copy(data, ((y + row) * width + x) * CHANNELS, from, from + rowBytes);
      }
    }
  }
  /** Pixels here per pixel of the file's picture: its crops are given in the latter. */
  let scale = 1 / shrink;
  const scaled = (t: Extract<HeifTransform, { kind: 'crop' }>) => ({ ...t, width: Math.round(t.width * scale), height: Math.round(t.height * scale), dx: t.dx * scale, dy: t.dy * scale });
  // Crops before any turn or mirror, at full size, as one rectangle.
  let rect = { left: 0, top: 0, width, height };
  let i = 0;
  for (; i < image.transforms.length; i++) {
    const t = image.transforms[i]!;
    if (t.kind !== 'crop') break;
    const crop = resolveCrop(scaled(t), rect.width, rect.height);
    rect = { left: rect.left + crop.left, top: rect.top + crop.top, width: crop.width, height: crop.height };
  }
  const raw = (w: number, h: number) => ({ raw: { width: w, height: h, channels: CHANNELS } as const });
  let pipeline = sharp(data, raw(width, height));
  if (rect.width !== width || rect.height !== height) pipeline = pipeline.extract(rect);
  let pixels = await pipeline
    .resize(edge, edge, { fit: 'inside', withoutEnlargement: true, kernel: 'mitchell' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  scale *= pixels.info.width / rect.width;
  for (const t of image.transforms.slice(i)) {
    let step = sharp(pixels.data, raw(pixels.info.width, pixels.info.height));
    if (t.kind === 'crop') {
      step = step.extract(resolveCrop(scaled(t), pixels.info.width, pixels.info.height));
    } else if (t.kind === 'rotate') {
      if (t.quarterTurnsAnticlockwise % 4 === 0) continue;
      step = step.rotate(((4 - (t.quarterTurnsAnticlockwise % 4)) % 4) * 90); // sharp turns clockwise
    } else {
      step = t.axis === 'vertical' ? step.flop() : step.flip();
    }
    pixels = await step.raw().toBuffer({ resolveWithObject: true });
  }
  return pixels;
}
