import sharp from 'sharp';
import { regionInPixels, type RedactionRegion } from '../../domain/media/redaction';

/** Pixel comparisons of a redacted copy with the copy made without redaction (tests of redaction). */
export type Raw = { data: Buffer; width: number; height: number; channels: number };
export const decodeJpeg = async (jpeg: Buffer): Promise<Raw> => {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
};

/**
 * Per-pixel absolute difference of two copies, summarised inside each box (shrunk by `margin`) and
 * outside every box (grown by `margin`: JPEG blocks and the thumb's resize kernel reach that far).
 */
export function compareCopies(a: Raw, b: Raw, regions: RedactionRegion[], margin: number) {
  const boxes = regions.map((r) => regionInPixels(r, a.width, a.height));
  const inside = boxes.map(() => ({ sum: 0, n: 0 }));
  let outsideMax = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * a.channels;
      let d = 0;
      for (let c = 0; c < a.channels; c++) d += Math.abs(a.data[i + c]! - b.data[i + c]!);
      d /= a.channels;
      const within = (bx: (typeof boxes)[number], m: number) => x >= bx.left - m && x < bx.left + bx.width + m && y >= bx.top - m && y < bx.top + bx.height + m;
      boxes.forEach((bx, k) => {
        if (within(bx, -margin)) {
          inside[k]!.sum += d;
          inside[k]!.n++;
        }
      });
      if (!boxes.some((bx) => within(bx, margin))) outsideMax = Math.max(outsideMax, d);
    }
  }
  return { insideMean: inside.map((s) => s.sum / s.n), outsideMax };
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

