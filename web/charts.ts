import { html, type Html } from './html';

/**
 * Charts drawn on the server as inline SVG: no script, no third-party request, sharp at any size.
 * The viewBox scales to the phone's width; text stays large enough to read at 320 px.
 */

const W = 480;
const H = 240;
const PAD = { left: 52, right: 8, top: 14, bottom: 36 };

const niceMax = (n: number) => {
  if (n <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / step) * step;
};

function axes(max: number): Html {
  const ticks = [0, 0.5, 1].map((f) => ({ y: PAD.top + (H - PAD.top - PAD.bottom) * (1 - f), v: Math.round(max * f) }));
  return html`${ticks.map((t) => html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${t.y}" y2="${t.y}" stroke="#ccc" stroke-width="1"/><text x="${PAD.left - 6}" y="${t.y + 5}" text-anchor="end" font-size="18" fill="#555">${t.v}</text>`)}`;
}

/** Stations per 2 % bin (0–100 %), the part with evidence drawn darker on top. */
export function distributionChart(o: { title: string; desc: string; bins: { bin: number; stations: number; with_evidence: number }[]; unit: string }): Html {
  const max = niceMax(Math.max(1, ...o.bins.map((b) => b.stations)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const bw = plotW / 50;
  const y = (n: number) => PAD.top + plotH * (1 - n / max);
  return html`<figure class="chart"><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="${o.unit}-t ${o.unit}-d">
<title id="${o.unit}-t">${o.title}</title><desc id="${o.unit}-d">${o.desc}</desc>
${axes(max)}
${o.bins.map((b) => html`<rect x="${(PAD.left + b.bin * bw).toFixed(1)}" y="${y(b.stations).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${(PAD.top + plotH - y(b.stations)).toFixed(1)}" fill="#9db4d0"><title>${b.bin * 2}–${b.bin * 2 + 2} %: ${b.stations}</title></rect>${
  b.with_evidence ? html`<rect class="evidence" x="${(PAD.left + b.bin * bw).toFixed(1)}" y="${y(b.with_evidence).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${(PAD.top + plotH - y(b.with_evidence)).toFixed(1)}" fill="#1d3f6e"/>` : null}`)}
${[0, 25, 50, 75, 100].map((p) => html`<text x="${PAD.left + (plotW * p) / 100}" y="${H - 12}" text-anchor="middle" font-size="18" fill="#555">${p} %</text>`)}
</svg><figcaption>${o.title}. ${o.desc}</figcaption></figure>`;
}

/** "10:00-12:00" as "10–12" when on the hour: five intervals still fit a phone's width. */
const shortHours = (label: string) => label.replace(/^(\d\d):00-(\d\d):00$/, '$1–$2').replace('-', '–');

/** Official voters per interval (bars) against observers' counts of the same hours (dots with their uncertainty). */
export function attendanceChart(o: {
  /** Unique on the page (a chart per voting day). */
  id: string;
  /** The voting day the row shows (YYYY-MM-DD). */
  day: string;
  title: string;
  desc: string;
  /** label: the hours as an ISO 8601 interval; short: as the axis says them ("10:00-12:00"). */
  intervals: { label: string; short: string; official: number | null; observed: { people: number; uncertainty: number }[] }[];
}): Html {
  const values = o.intervals.flatMap((i) => [i.official ?? 0, ...i.observed.map((c) => c.people + c.uncertainty)]);
  const max = niceMax(Math.max(1, ...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, o.intervals.length);
  const y = (n: number) => PAD.top + plotH * (1 - n / max);
  return html`<figure class="chart" data-day="${o.day}"><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="${o.id}-t ${o.id}-d">
<title id="${o.id}-t">${o.title}</title><desc id="${o.id}-d">${o.desc}</desc>
${axes(max)}
${o.intervals.map((iv, i) => {
  const x = PAD.left + i * slot;
  return html`${iv.official !== null ? html`<rect class="official" x="${(x + slot * 0.15).toFixed(1)}" y="${y(iv.official).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(PAD.top + plotH - y(iv.official)).toFixed(1)}" fill="#9db4d0"><title>${iv.label}: ${iv.official}</title></rect>` : null}
${iv.observed.map((c, j) => {
  const cx = x + slot * (0.35 + (0.3 * (j + 1)) / (iv.observed.length + 1));
  return html`<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(c.people + c.uncertainty).toFixed(1)}" y2="${y(Math.max(0, c.people - c.uncertainty)).toFixed(1)}" stroke="#b3261e" stroke-width="3"/><circle class="observed" cx="${cx.toFixed(1)}" cy="${y(c.people).toFixed(1)}" r="6" fill="#b3261e"><title>${iv.label}: ${c.people} ± ${c.uncertainty}</title></circle>`;
})}
<text x="${(x + slot / 2).toFixed(1)}" y="${H - 12}" text-anchor="middle" font-size="${iv.short.length > 11 ? 12 : 18}" fill="#555">${shortHours(iv.short)}</text>`;
})}
</svg><figcaption>${o.title}. ${o.desc}</figcaption></figure>`;
}
