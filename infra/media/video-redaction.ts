import { isTimed, type RedactionRegion } from '../../domain/media/redaction';

/** A blurred rectangle keeps at most this many cells on its long edge, as a photo's does (render.ts). */
const REDACTION_CELLS = 8;

/** Decimal text ffmpeg's expression parser reads (no exponent for tiny or huge numbers). */
const num = (v: number) => String(Math.round(v * 1e6) / 1e6);

/**
 * A rectangle's edges in pixels of the frame the filter sees (`width`/`height` name ffmpeg's
 * variables for it), widened outwards to even pixels so a 4:2:0 picture is cut on whole chroma
 * samples and the box covers at least what was drawn.
 */
function edges(r: RedactionRegion, width: string, height: string) {
  const left = `2*floor(${width}*${num(r.x)}/2)`;
  const top = `2*floor(${height}*${num(r.y)}/2)`;
  return {
    left,
    top,
    width: `max(1,min(${width},2*ceil(${width}*${num(r.x + r.w)}/2))-${left})`,
    height: `max(1,min(${height},2*ceil(${height}*${num(r.y + r.h)}/2))-${top})`,
  };
}

/**
 * When a rectangle holds: `t` is the frame's time from the start of what ffmpeg reads, which is
 * `offset` seconds into the clip when the input was seeked (a poster frame). Always, without a range.
 */
const enable = (r: RedactionRegion, offset: number) => (isTimed(r) ? `:enable='between(t,${num(r.from_s - offset)},${num(r.to_s - offset)})'` : '');

/**
 * An ffmpeg filter graph with one input and one output: `before` (a chain, e.g. the copy's scale),
 * then each rectangle covered while its time range lasts, then `after`. As on a photo, every
 * blurred patch is made from the untouched frame (pixelated to a few cells, then box-blurred) and
 * the rectangles are laid in order, so a later one lies over an earlier one; a filled one is black.
 * Without rectangles it is just `before,after`.
 */
export function redactedVideoFilter(before: string, regions: RedactionRegion[], after: string, offset = 0): string {
  if (regions.length === 0) return `${before},${after}`;
  const blurred = regions.map((r, i) => ({ r, i })).filter(({ r }) => r.style === 'blur');
  const graph: string[] = [`${before},split=${blurred.length + 1}[rb]${blurred.map(({ i }) => `[rs${i}]`).join('')}`];
  for (const { r, i } of blurred) {
    const e = edges(r, 'iw', 'ih');
    // scale2ref brings the few cells back to the cut's own size (its second input, then dropped)
    graph.push(
      `[rs${i}]crop=w='${e.width}':h='${e.height}':x='${e.left}':y='${e.top}',split[rc${i}][rr${i}]`,
      `[rc${i}]scale=w='max(1,round(${REDACTION_CELLS}*iw/max(iw,ih)))':h='max(1,round(${REDACTION_CELLS}*ih/max(iw,ih)))':flags=area[rm${i}]`,
      `[rm${i}][rr${i}]scale2ref=w=iw:h=ih:flags=neighbor[ru${i}][rx${i}]`,
      `[rx${i}]nullsink`,
      `[ru${i}]boxblur=luma_radius='min(w,h)/16':chroma_radius='min(cw,ch)/16'[rp${i}]`,
    );
  }
  let frame = '[rb]';
  regions.forEach((r, i) => {
    const next = `[ro${i}]`;
    if (r.style === 'blur') {
      const e = edges(r, 'W', 'H');
      graph.push(`${frame}[rp${i}]overlay=x='${e.left}':y='${e.top}'${enable(r, offset)}${next}`);
    } else {
      const e = edges(r, 'iw', 'ih');
      graph.push(`${frame}drawbox=x='${e.left}':y='${e.top}':w='${e.width}':h='${e.height}':color=black:t=fill${enable(r, offset)}${next}`);
    }
    frame = next;
  });
  graph.push(`${frame}${after}`);
  return graph.join(';');
}
