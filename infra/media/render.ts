import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { MAX_INPUT_PIXELS, PREVIEW_EDGE, THUMB_EDGE, type Derivatives } from '../../domain/media/derivatives';
import { messageOf } from '../../domain/caught-errors';
import { MediaError } from '../../domain/media/errors';
import type { DetectedType } from '../../domain/media/file-type';
import { PHASH_INPUT_EDGE, perceptualHash } from '../../domain/media/perceptual-hash';
import { regionInPixels, type RedactionRegion } from '../../domain/media/redaction';
import type { RedactedCopies, RenderHints } from '../../domain/ports/media-toolkit';
import { readHeifItems, type HeifImage, type HeifItems } from '../../domain/media/heif';
import { decodeHeifImageShared } from './heif-decode';
import { ffInput, runTool } from './run-tool';
import { redactedVideoFilter } from './video-redaction';

/** q80: the same visual quality as WebP at these sizes for a fraction of the CPU time. */
const JPEG_QUALITY = 80;
/** Huffman optimisation would cost more CPU than the whole thumbnail for ~5% smaller files. */
const JPEG_OPTIONS = { quality: JPEG_QUALITY, optimiseCoding: false };
const HEIF_TIMEOUT_MS = 60_000;
const FFMPEG_TIMEOUT_MS = 30_000;
/** Frames the thumbnail filter compares to avoid a black or blurred first frame. */
const POSTER_CANDIDATE_FRAMES = 24;
const SHEET_COLUMNS = 3;
const SHEET_ROWS = 3;

sharp.cache(false); // every input is decoded once; libvips' operation cache would only hold memory

/**
 * Decodes once (with JPEG shrink-on-load), then encodes the preview and the thumbnail from the
 * same downscaled pixels. A strict decode is tried first; if libvips reports damage (e.g. a
 * truncated JPEG), the image is decoded leniently and the problem is returned as a warning, so a
 * moderator still sees what the file contains. Unrecoverable problems throw MediaError.
 */
export async function renderDerivatives(filePath: string, type: DetectedType, meta: RenderHints, bytes?: Buffer): Promise<Derivatives> {
  if (type.kind === 'video') return fromPixels(await posterFrame(filePath, meta), false);
  if (type.format === 'heic') return firstLookAtHeic(filePath, meta, bytes);
  // The file's bytes when the caller already holds them (decoding from memory skips a second read).
  const result = await fromPixels(bytes ?? filePath, true);
  if (type.format === 'dng') result.warnings.push('rendered from the preview embedded in the DNG (raw data is not decoded)');
  return result;
}

/**
 * The public copies of a photo with the rectangles covered: decoded as renderDerivatives decodes it
 * (the same pixels), each rectangle replaced in the decoded pixels, then encoded as the preview (the
 * published image) and the thumb. Nothing outside a rectangle changes. A video's are its poster,
 * picked as renderDerivatives picks it, with the rectangles that hold at that frame's time covered.
 */
export async function renderRedactedCopies(filePath: string, type: DetectedType, meta: RenderHints, regions: RedactionRegion[], bytes?: Buffer): Promise<RedactedCopies> {
  if (type.kind === 'video') {
    const { thumb, preview } = await fromPixels(await posterFrame(filePath, meta, regions), false);
    return { thumb, preview: preview! };
  }
  let pixels: DisplayPixels;
  try {
    pixels = await displayedPixels(filePath, type, meta, bytes, 'warning');
  } catch (strictError) {
    throwIfHopeless(strictError);
    // a damaged file's copies were rendered as far as it decodes: so are its redacted ones
    pixels = await displayedPixels(filePath, type, meta, bytes, 'none');
  }
  return encodeCopies(await coverRegions(pixels, regions));
}

/**
 * A photo's pixels as its public preview shows them: decoded from its bytes (or file), or for HEIC
 * the full picture exactly as renderFullPreview decodes it (already oriented, never rotated twice).
 */
async function displayedPixels(filePath: string, type: DetectedType, meta: RenderHints, bytes: Buffer | undefined, failOn: 'warning' | 'none'): Promise<DisplayPixels> {
  if (type.format !== 'heic') return decodeForDisplay(bytes ?? filePath, { applyExifOrientation: true, failOn, maxPixels: MAX_INPUT_PIXELS });
  refuseBomb(meta);
  const items = await heifItemsOf(filePath, bytes);
  if (items) return displayHeif(items.primary, PREVIEW_EDGE);
  return viaHeifConvert(filePath, (jpeg) => decodeForDisplay(jpeg, { applyExifOrientation: false, failOn, maxPixels: MAX_INPUT_PIXELS }));
}

async function fromPixels(input: string | Buffer, applyExifOrientation: boolean): Promise<Derivatives> {
  try {
    return { ...(await downscaleAndEncode(input, applyExifOrientation, 'warning')), warnings: [] };
  } catch (strictError) {
    throwIfHopeless(strictError);
    try {
      const rendered = await downscaleAndEncode(input, applyExifOrientation, 'none');
      return { ...rendered, warnings: [`image data damaged, shown as far as it decodes: ${messageOf(strictError)}`] };
    } catch (lenientError) {
      throwIfHopeless(lenientError);
      throw new MediaError('corrupt', `the image cannot be decoded: ${messageOf(lenientError)}`);
    }
  }
}

/** Decoded once, oriented, at most PREVIEW_EDGE on the long edge, raw: what previews, thumbnails and hashes are made from. */
type DisplayPixels = { data: Buffer; info: sharp.OutputInfo };

async function decodeForDisplay(
  input: string | Buffer,
  o: { applyExifOrientation: boolean; failOn: 'warning' | 'none'; maxPixels: number },
  edge = PREVIEW_EDGE,
): Promise<DisplayPixels> {
  let pipeline = sharp(input, { failOn: o.failOn, limitInputPixels: o.maxPixels, animated: false });
  if (o.applyExifOrientation) pipeline = pipeline.rotate();
  // The only full-size work: decode (JPEG shrink-on-load) and one resize. Mitchell is ~10% cheaper
  // than the default Lanczos at no visible cost for previews.
  return pipeline
    .resize(edge, edge, { fit: 'inside', withoutEnlargement: true, kernel: 'mitchell' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
}

/** The decoded pixels as an image again; transparent pixels (PNG/WebP/GIF) become white, not JPEG's default black. */
const reopen = ({ data, info }: DisplayPixels) =>
  sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).flatten({ background: '#ffffff' });

/**
 * The perceptual hash of displayed pixels, squeezed to 32×32 grey (aspect ignored). The worker and
 * the public similar-image search both hash through here, so their distances mean the same thing.
 */
async function hashOfPixels(pixels: DisplayPixels): Promise<string> {
  return perceptualHash(await reopen(pixels).greyscale().resize(PHASH_INPUT_EDGE, PHASH_INPUT_EDGE, { fit: 'fill' }).raw().toBuffer());
}

async function downscaleAndEncode(input: string | Buffer, applyExifOrientation: boolean, failOn: 'warning' | 'none') {
  return encodeDisplayed(await decodeForDisplay(input, { applyExifOrientation, failOn, maxPixels: MAX_INPUT_PIXELS }));
}

/** Preview, thumbnail and perceptual hash from the displayed pixels. */
async function encodeDisplayed(pixels: DisplayPixels) {
  const [{ preview, thumb }, phash] = await Promise.all([encodeCopies(pixels), hashOfPixels(pixels)]);
  return { preview, thumb, phash };
}

/** The preview and the thumb of displayed pixels; the one encoder of both, redacted or not. */
async function encodeCopies(pixels: DisplayPixels): Promise<RedactedCopies> {
  // sharp writes no metadata unless asked (keepMetadata/withMetadata), so nothing identifying survives.
  const [preview, thumb] = await Promise.all([
    reopen(pixels).jpeg(JPEG_OPTIONS).toBuffer(),
    reopen(pixels).resize(THUMB_EDGE, THUMB_EDGE, { fit: 'inside', withoutEnlargement: true, kernel: 'mitchell' }).jpeg(JPEG_OPTIONS).toBuffer(),
  ]);
  return { preview, thumb };
}

/** A blurred rectangle keeps at most this many cells on its long edge: too few to recognise a face from. */
const REDACTION_CELLS = 8;

/**
 * The pixels with each rectangle replaced: solid black, or pixelated to a few cells and blurred
 * (a plain Gaussian blur of a face can be partly undone; a handful of averaged cells cannot).
 */
async function coverRegions(pixels: DisplayPixels, regions: RedactionRegion[]): Promise<DisplayPixels> {
  const { width, height, channels } = pixels.info;
  const raw = { raw: { width, height, channels } };
  // Each box's patch is made from the untouched pixels, all at once (libvips runs them in parallel);
  // then copied in, in order, so a later box lies over an earlier one.
  const patches = await Promise.all(
    regions.map(async (region) => {
      const box = regionInPixels(region, width, height);
      if (region.style === 'fill') {
        const patch = Buffer.alloc(box.width * box.height * channels, 0);
        // an alpha channel (PNG, WebP) stays opaque, or the flattening would make the box white
        if (channels === 2 || channels === 4) for (let i = channels - 1; i < patch.length; i += channels) patch[i] = 255;
        return { box, patch };
      }
      const long = Math.max(box.width, box.height);
      const cells = { width: Math.max(1, Math.round((REDACTION_CELLS * box.width) / long)), height: Math.max(1, Math.round((REDACTION_CELLS * box.height) / long)) };
      const small = await sharp(pixels.data, raw).extract(box).resize(cells.width, cells.height, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
      const stretched = sharp(small, { raw: { ...cells, channels } }).resize(box.width, box.height, { fit: 'fill', kernel: 'cubic' });
      const patch = await (Math.min(box.width, box.height) >= 4 ? stretched.blur(Math.max(1, Math.min(box.width, box.height) / 8)) : stretched).raw().toBuffer();
      return { box, patch };
    }),
  );
  const data = Buffer.from(pixels.data);
  for (const { box, patch } of patches) {
    const rowBytes = box.width * channels;
    for (let row = 0; row < box.height; row++) {
      patch.copy(data, ((box.top + row) * width + box.left) * channels, row * rowBytes, (row + 1) * rowBytes);
    }
  }
  return { data, info: pixels.info };
}

/**
 * The perceptual hash of an image held in memory (never written anywhere), decoded and hashed exactly
 * as the worker hashes a file, but strictly: damaged data is refused, not hashed as far as it
 * decodes. Every media problem throws MediaError.
 */
export async function perceptualHashOfImage(bytes: Buffer, maxPixels: number): Promise<string> {
  try {
    return await hashOfPixels(await decodeForDisplay(bytes, { applyExifOrientation: true, failOn: 'warning', maxPixels }));
  } catch (e) {
    throwIfHopeless(e, maxPixels);
    throw new MediaError('corrupt', `the image cannot be decoded: ${messageOf(e)}`);
  }
}

function throwIfHopeless(e: unknown, maxPixels = MAX_INPUT_PIXELS): void {
  if (e instanceof MediaError) throw e;
  const message = messageOf(e);
  if (/pixel limit/i.test(message)) {
    throw new MediaError('decompression_bomb', `the image declares more than ${maxPixels / 1e6} megapixels`);
  }
  if (/unsupported image format/i.test(message)) throw new MediaError('unsupported', 'the file is not an image this system can decode');
  if (/Input file is missing|ENOENT|EACCES/.test(message)) throw e; // I/O, not media: let the worker retry
}

/**
 * A HEIC's first look (issue 13, item 6). The bundled libvips cannot decode HEVC, and a full decode
 * of a 12 MP photo costs about a CPU-second through libheif. Both decodes below go through this
 * process's long-running ffmpeg HEVC decoder (./hevc-decoder.ts: no process start per file), which
 * reads the items' bitstreams (domain/media/heif.ts) directly: no JPEG round trip. When the file
 * embeds a thumbnail (every recent iPhone and most Android phones do), that alone is decoded for
 * the thumb and perceptual hash (0.02 CPU-s), and the preview is left for renderFullPreview, which
 * the worker runs only when no photo waits. Without one, every look at the picture is a decode of
 * all of it (HEVC has no cheaper partial decode): shrunk to a thumb it costs 0.16 CPU-s and the
 * owed preview another 0.20, so the picture is decoded once, at preview size, and the preview,
 * thumb and hash all come from those pixels (0.25 in all, ready with its preview). A file whose
 * structure that reader does not follow goes through heif-convert whole, as before, preview included.
 */
async function firstLookAtHeic(filePath: string, meta: RenderHints, bytes?: Buffer): Promise<Derivatives> {
  refuseBomb(meta);
  const items = await heifItemsOf(filePath, bytes);
  if (!items) return fromHeicConvert(filePath);
  // Never decoded twice: without an embedded thumbnail, the one full decode serves the preview too.
  if (!items.thumbnail) return { ...(await encodeDisplayed(await displayHeif(items.primary, PREVIEW_EDGE))), warnings: [] };
  const pixels = await displayHeif(items.thumbnail, THUMB_EDGE);
  const [thumb, phash] = await Promise.all([reopen(pixels).jpeg(JPEG_OPTIONS).toBuffer(), hashOfPixels(pixels)]);
  return { thumb, preview: null, phash, warnings: [] };
}

/** The one full decode of a photo that was made ready from its embedded thumbnail. */
export async function renderFullPreview(filePath: string, type: DetectedType, meta: RenderHints, bytes?: Buffer): Promise<{ preview: Buffer; warnings: string[] }> {
  if (type.format !== 'heic') {
    const { preview, warnings } = await renderDerivatives(filePath, type, meta, bytes);
    if (!preview) throw new MediaError('unsupported', 'no preview can be made of this file');
    return { preview, warnings };
  }
  refuseBomb(meta);
  const items = await heifItemsOf(filePath, bytes);
  if (!items) {
    const { preview, warnings } = await fromHeicConvert(filePath);
    return { preview: preview!, warnings };
  }
  const pixels = await displayHeif(items.primary, PREVIEW_EDGE);
  return { preview: await reopen(pixels).jpeg(JPEG_OPTIONS).toBuffer(), warnings: [] };
}

function refuseBomb(meta: RenderHints): void {
  if (meta.width && meta.height && meta.width * meta.height > MAX_INPUT_PIXELS) {
    throw new MediaError('decompression_bomb', `the image declares ${meta.width}×${meta.height} pixels`);
  }
}

/** The file's image items, or null when their structure is one this reader does not follow. */
async function heifItemsOf(filePath: string, bytes?: Buffer): Promise<HeifItems | null> {
  const file = bytes ?? (await readFile(filePath)); // a photo: at most MAX_PHOTO_MB
  try {
    const items = readHeifItems(file);
    if (items.primary.width * items.primary.height > MAX_INPUT_PIXELS) {
      throw new MediaError('decompression_bomb', `the image declares ${items.primary.width}×${items.primary.height} pixels`);
    }
    return items;
  } catch (e) {
    if (e instanceof MediaError) throw e;
    return null;
  }
}

/** A HEIF item decoded (by this process's HEVC decoder), placed and oriented, then brought down to `edge` on its long side. */
const displayHeif = (image: HeifImage, edge: number): Promise<DisplayPixels> => decodeHeifImageShared(image, { edge });

/** The fallback for a HEIF this reader does not follow: the whole file through heif-convert. */
const fromHeicConvert = (filePath: string): Promise<Derivatives> => viaHeifConvert(filePath, (jpeg) => fromPixels(jpeg, false));

/**
 * libheif's heif-convert into a private temporary directory. libheif applies irot/imir itself and
 * copies the EXIF Orientation into the JPEG; the result is therefore used as is, never rotated a
 * second time.
 */
async function viaHeifConvert<T>(filePath: string, use: (jpegPath: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'svidetel-heic-'));
  try {
    const decoded = path.join(dir, 'decoded.jpg');
    const result = await runTool('heif-convert', ['--quiet', '-q', '92', path.resolve(filePath), decoded], { timeoutMs: HEIF_TIMEOUT_MS });
    // heif-convert names its output after ours, with a suffix when the file holds several images.
    const produced = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
    if (result.code !== 0 || produced.length === 0) {
      throw new MediaError('corrupt', `the HEIC image cannot be decoded: ${result.stderr.split('\n')[0] || `exit ${result.code}`}`);
    }
    return await use(path.join(dir, produced.includes('decoded.jpg') ? 'decoded.jpg' : produced[0]!));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A representative frame: seek to ~10% of the clip (past black fades), then let ffmpeg's
 * thumbnail filter pick the most typical of the next frames. ffmpeg applies the track rotation.
 * Rectangles to cover are covered before the pick, each while its time range lasts.
 */
async function posterFrame(filePath: string, meta: RenderHints, regions: RedactionRegion[] = []): Promise<Buffer> {
  const seek = meta.duration_s ? meta.duration_s * 0.1 : 0;
  const scale = `scale=w='min(iw,${PREVIEW_EDGE})':h='min(ih,${PREVIEW_EDGE})':force_original_aspect_ratio=decrease`;
  const frame =
    (await grabFrame(filePath, seek, redactedVideoFilter(scale, regions, `thumbnail=${POSTER_CANDIDATE_FRAMES}`, seek))) ??
    (await grabFrame(filePath, 0, redactedVideoFilter(scale, regions, 'null')));
  if (!frame) throw new MediaError('corrupt', 'no video frame can be decoded');
  return frame;
}

async function grabFrame(filePath: string, seconds: number, filter: string): Promise<Buffer | null> {
  const args = [
    // One thread: a single frame gains nothing from more, and the API keeps the other core.
    '-v', 'error', '-nostdin', '-threads', '1', '-ss', seconds.toFixed(3), ...ffInput(path.resolve(filePath)),
    '-an', '-sn', '-dn', '-frames:v', '1', '-vf', filter, '-f', 'image2pipe', '-c:v', 'png', '-compression_level', '1', 'pipe:1',
  ];
  const result = await runTool('ffmpeg', args, { timeoutMs: FFMPEG_TIMEOUT_MS });
  return result.code === 0 && result.stdout.length > 0 ? result.stdout : null;
}

/** A 3×3 JPEG sheet of frames spread evenly across a video, for reviewing a clip at a glance. */
export async function renderContactSheet(filePath: string, meta: RenderHints): Promise<Buffer> {
  // Cells keep the clip's display aspect and the whole sheet fits in PREVIEW_EDGE × PREVIEW_EDGE.
  const aspect = meta.width && meta.height ? meta.width / meta.height : 16 / 9;
  const cellBox = Math.floor(PREVIEW_EDGE / SHEET_COLUMNS / 2) * 2;
  const cellWidth = aspect >= 1 ? cellBox : Math.max(2, Math.round((cellBox * aspect) / 2) * 2);
  const cellHeight = aspect >= 1 ? Math.max(2, Math.round(cellBox / aspect / 2) * 2) : cellBox;
  const fit = `scale=${cellWidth}:${cellHeight}:force_original_aspect_ratio=decrease,pad=${cellWidth}:${cellHeight}:(ow-iw)/2:(oh-ih)/2`;
  const duration = meta.duration_s ?? 0;
  const cells = SHEET_COLUMNS * SHEET_ROWS;

  // One short ffmpeg run per cell (fast input seek), a row at a time: ffmpeg start-up dominates.
  const frames: (Buffer | null)[] = [];
  for (let row = 0; row < SHEET_ROWS; row++) {
    const times = Array.from({ length: SHEET_COLUMNS }, (_, col) => (duration * (row * SHEET_COLUMNS + col + 0.5)) / cells);
    frames.push(...(await Promise.all(times.map((t) => grabFrame(filePath, t, fit)))));
  }
  if (frames.every((f) => f === null)) throw new MediaError('corrupt', 'no video frame can be decoded');

  // A seek past the last decodable frame (short or damaged clips) repeats the previous frame.
  let last = frames.find((f) => f !== null)!;
  const composites = frames.map((frame, i) => {
    last = frame ?? last;
    return { input: last, left: (i % SHEET_COLUMNS) * cellWidth, top: Math.floor(i / SHEET_COLUMNS) * cellHeight };
  });
  return sharp({ create: { width: cellWidth * SHEET_COLUMNS, height: cellHeight * SHEET_ROWS, channels: 3, background: '#000000' } })
    .composite(composites)
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
}

