import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { regionInPixels, type RedactionRegion } from '../../domain/media/redaction';

/** Pixel comparisons of a redacted copy with the copy made without redaction (tests of redaction). */
export type Raw = { data: Buffer; width: number; height: number; channels: number };
export const decodeJpeg = async (jpeg: Buffer): Promise<Raw> => {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
};

/** The frame a player shows at this time of a video file (a published copy), decoded by ffmpeg. */
export async function frameAt(videoPath: string, seconds: number): Promise<Raw> {
  const { stdout } = await promisify(execFile)(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-ss', seconds.toFixed(3), '-i', `file:${videoPath}`, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return decodeJpeg(stdout);
}

/**
 * Per-pixel absolute difference of two copies, summarised inside each box (shrunk by `margin`) and
 * outside every box (grown by `margin`: JPEG blocks and the thumb's resize kernel reach that far):
 * the largest there, and the mean (two encodes of a video differ a little everywhere).
 */
export function compareCopies(a: Raw, b: Raw, regions: RedactionRegion[], margin: number) {
  const boxes = regions.map((r) => regionInPixels(r, a.width, a.height));
  const inside = boxes.map(() => ({ sum: 0, n: 0 }));
  let outsideMax = 0;
  const outside = { sum: 0, n: 0 };
  const { width, channels } = a;
  const diff = (x: number, y: number) => {
    const i = (y * width + x) * channels;
    let d = 0;
    for (let c = 0; c < channels; c++) d += Math.abs(a.data[i + c]! - b.data[i + c]!);
    return d / channels;
  };
  // Row by row, each box's span and the spans outside every grown box: the pixels, and the order
  // they are summed in, of a test of every pixel against every box, without that test (a frame of a
  // 720p copy is 0.9 million pixels).
  for (let y = 0; y < a.height; y++) {
    boxes.forEach((bx, k) => {
      if (y < bx.top + margin || y >= bx.top + bx.height - margin) return;
      for (let x = Math.max(0, bx.left + margin); x < Math.min(width, bx.left + bx.width - margin); x++) {
        inside[k]!.sum += diff(x, y);
        inside[k]!.n++;
      }
    });
    const grown = boxes
      .filter((bx) => y >= bx.top - margin && y < bx.top + bx.height + margin)
      .map((bx) => [bx.left - margin, bx.left + bx.width + margin] as const)
      .sort((p, q) => p[0] - q[0]);
    let x = 0;
    const outsideUpTo = (end: number) => {
      for (; x < Math.min(end, width); x++) {
        const d = diff(x, y);
        outsideMax = Math.max(outsideMax, d);
        outside.sum += d;
        outside.n++;
      }
    };
    for (const [from, to] of grown) {
      outsideUpTo(from);
      x = Math.max(x, to);
    }
    outsideUpTo(width);
  }
  return { insideMean: inside.map((s) => s.sum / s.n), outsideMax, outsideMean: outside.sum / outside.n, outsideWorstBlock: worstBlockOutside(a, b, boxes, margin) };
}

/**
 * The largest mean difference of a 16×16 block wholly outside every box (grown by `margin`): encoding
 * noise spreads thin, a box drawn in the wrong place or a blur leaking past its edge does not.
 */
function worstBlockOutside(a: Raw, b: Raw, boxes: ReturnType<typeof regionInPixels>[], margin: number): number {
  const B = 16;
  let worst = 0;
  for (let by = 0; by + B <= a.height; by += B) {
    for (let bx = 0; bx + B <= a.width; bx += B) {
      const touches = boxes.some((q) => bx + B > q.left - margin && bx < q.left + q.width + margin && by + B > q.top - margin && by < q.top + q.height + margin);
      if (touches) continue;
      let sum = 0;
      for (let y = by; y < by + B; y++) {
        for (let x = bx; x < bx + B; x++) {
          const i = (y * a.width + x) * a.channels;
          for (let c = 0; c < a.channels; c++) sum += Math.abs(a.data[i + c]! - b.data[i + c]!);
        }
      }
      worst = Math.max(worst, sum / (B * B * a.channels));
    }
  }
  return worst;
}

/** Detail in a box: the mean difference between horizontally neighbouring pixels (a blurred box has little). */
export function detailInBox(a: Raw, r: RedactionRegion, margin: number): number {
  const bx = regionInPixels(r, a.width, a.height);
  let sum = 0;
  let n = 0;
  for (let y = bx.top + margin; y < bx.top + bx.height - margin; y++) {
    for (let x = bx.left + margin + 1; x < bx.left + bx.width - margin; x++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[(y * a.width + x) * a.channels + c]! - a.data[(y * a.width + x - 1) * a.channels + c]!);
      n += 3;
    }
  }
  return sum / n;
}

/** Mean brightness of a box: a filled box is black. */
export function meanInBox(a: Raw, r: RedactionRegion, margin: number): number {
  const bx = regionInPixels(r, a.width, a.height);
  let sum = 0;
  let n = 0;
  for (let y = bx.top + margin; y < bx.top + bx.height - margin; y++) {
    for (let x = bx.left + margin; x < bx.left + bx.width - margin; x++) {
      for (let c = 0; c < 3; c++) sum += a.data[(y * a.width + x) * a.channels + c]!;
      n += 3;
    }
  }
  return sum / n;
}


/**
 * A box whose time never comes: a copy made with it alone is encoded like a redacted one (a
 * redaction always transcodes) and covers nothing, so it is the plain copy to compare frames with.
 */
export const NEVER_HOLDING_BOX: RedactionRegion = { x: 0, y: 0, w: 0.01, h: 0.01, style: 'fill', from_s: 900, to_s: 901 };

/**
 * The frame at `t` of a redacted video copy against the plain copy's: whether the picture outside
 * the boxes is the same but for encoding noise (spread thin), and for each box whether it is covered
 * (a filled one black, a blurred one with a third of the detail at most) and whether it is untouched.
 */
export async function redactedFrameReport(plainPath: string, redactedPath: string, boxes: RedactionRegion[], t: number) {
  const [a, b] = await Promise.all([frameAt(plainPath, t), frameAt(redactedPath, t)]);
  const { insideMean, outsideMean, outsideWorstBlock } = compareCopies(a, b, boxes, 8);
  return {
    t,
    sameSize: a.width === b.width && a.height === b.height,
    portrait: b.height > b.width,
    outsideClean: outsideMean < 3 && outsideWorstBlock < 16,
    covered: boxes.map((r) => (r.style === 'fill' ? meanInBox(b, r, 4) < 10 : detailInBox(b, r, 4) < detailInBox(a, r, 4) / 3)),
    untouched: insideMean.map((m) => m < 3),
  };
}

/** What redactedFrameReport says of a frame where `holding` tells which boxes hold. */
export const expectedFrameReport = (t: number, portrait: boolean, holding: readonly boolean[]) => ({
  t,
  sameSize: true,
  portrait,
  outsideClean: true,
  covered: [...holding],
  untouched: holding.map((h) => !h),
});
