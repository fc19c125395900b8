import type { PublicEntry, PublicFile } from '../../domain/archive/model';
import { html, type Html } from '../html';
import { hasMessage, type T } from '../i18n';
import { formatBytes, formatInstant, layout, type PageContext } from '../layout';
import { entryUrl, stationUrl } from '../links';
import { captureTime } from './media-view';

function flagText(flag: string, t: T): string {
  const key = `flag_${flag}`;
  return hasMessage(key) ? t(key) : flag;
}

function offsetBasis(f: PublicFile, t: T): string | null {
  if (!f.taken_at_local) return null;
  return f.taken_at_offset ? t('offset_basis', { source: f.offset_source ?? t('unknown') }) : t('offset_unknown');
}

function fileItem(page: PageContext, f: PublicFile, choices: { device: boolean; original: boolean }): Html {
  const { t, lang } = page;
  const basis = offsetBasis(f, t);
  const size = f.width && f.height ? html` width="${f.width}" height="${f.height}"` : null;
  return html`<li class="file">
  ${f.video_copy
    ? html`<video controls preload="metadata" playsinline src="/media/${f.id}/video.mp4"${f.has_preview ? html` poster="/media/${f.id}/preview.jpg"` : null}${size} aria-label="${t('video_player')}"></video>`
    : f.has_preview
    ? html`<a href="/media/${f.id}/preview.jpg"><img src="/media/${f.id}/preview.jpg" alt="${f.kind === 'video' ? t('video_poster') : t('photo_preview')}" loading="lazy"${f.width && f.height ? html` width="${f.width}" height="${f.height}"` : null}></a>`
    : null}
  <dl class="facts">
    <dt>${t('file_kind')}</dt><dd>${f.kind === 'video' ? t('kind_video') : t('kind_photo')} (${f.mime})${f.duration_s ? ` · ${Math.round(f.duration_s)} s` : ''}${f.width && f.height ? ` · ${f.width}×${f.height}` : ''}</dd>
    <dt>SHA-256</dt><dd><code class="hash">${f.sha256}</code></dd>
    ${f.video_copy ? html`<dt>${t('video_copy_sha256')}</dt><dd><code class="hash">${f.video_copy.sha256}</code></dd>` : null}
    ${f.bytes !== null ? html`<dt>${t('file_size')}</dt><dd>${formatBytes(f.bytes, lang)} (${f.bytes} ${t('bytes')})</dd>` : null}
    <dt>${t('captured_at')}</dt><dd>${captureTime(f, t)}${basis ? html`<br><span class="muted">${basis}</span>` : null}</dd>
    ${choices.device && (f.make || f.model) ? html`<dt>${t('device')}</dt><dd>${[f.make, f.model].filter(Boolean).join(' ')}</dd>` : null}
    ${f.flags.length ? html`<dt>${t('flags')}</dt><dd><ul class="flags">${f.flags.map((fl) => html`<li>${flagText(fl, t)}</li>`)}</ul></dd>` : null}
  </dl>
  <p>
    ${f.video_copy ? html`<a href="/media/${f.id}/video.mp4" download="svidetel-${f.id}.mp4">${t('download_video_copy')}</a> · ` : null}
    ${f.has_preview ? html`<a href="/media/${f.id}/published.jpg" download>${f.kind === 'video' ? t('download_poster') : t('download_copy')}</a>` : null}
    ${choices.original && !f.redacted ? html` · <a href="/media/${f.id}/original" download>${t('download_original')}</a>` : null}
  </p>
  ${f.redacted ? html`<p class="notice redacted-notice">${t('file_redacted')}</p>` : null}
  ${f.original_carries?.length ? html`<p class="notice">${t('original_carries', { items: f.original_carries.map((k) => t(`carries_${k}`)).join(', ') })}</p>` : null}
  ${f.kind === 'video' && !f.video_copy ? html`<p class="muted">${t(f.video_copy_failed ? 'video_copy_unavailable' : 'video_copy_pending')}</p>` : null}
</li>`;
}

/** The citation a journalist pastes: stable URL, id, hashes and dates, nothing that can change. */
function citation(page: PageContext, data: PublicEntry, url: string): string {
  const e = data.entry;
  const lines = [
    `Svidetel, ${page.lang === 'ru' ? e.category_label_ru : e.category_label_en}, ${e.region}, ${page.t('station')} ${e.station_number}`,
    url,
    `id: ${e.id}`,
    `${page.t('published_at')}: ${e.published_at.toISOString()}`,
    ...data.files.map((f, i) => `SHA-256 #${i + 1}: ${f.sha256}`),
  ];
  return lines.join('\n');
}

export function entryPage(page: PageContext, data: PublicEntry, site: { baseUrl: string }) {
  const { t, lang } = page;
  const e = data.entry;
  const category = lang === 'ru' ? e.category_label_ru : e.category_label_en;
  const title = e.title ?? category;
  const url = site.baseUrl + entryUrl(e.id);
  const place = e.place;
  const firstImage = data.files.find((f) => f.has_preview);
  const facts = html`<dl class="facts">
  <dt>${t('election')}</dt><dd>${lang === 'ru' ? e.election_name_ru : e.election_name_en}</dd>
  <dt>${t('region')}</dt><dd>${e.region}</dd>
  <dt>${t('station')}</dt><dd><a href="${stationUrl(e)}">${e.station_number}</a>${e.station_address ? html`<br><span class="muted">${e.station_tik ? `${e.station_tik} · ` : ''}${e.station_address}</span>` : null}</dd>
  <dt>${t('category')}</dt><dd>${category}</dd>
  <dt>${t('happened_at')}</dt><dd>${e.happened_at ? `${e.happened_at.replace('T', ' ')} (${t('no_zone')})` : t('unknown')}</dd>
  ${e.status === 'published'
    ? html`<dt>${t('place')}</dt><dd>${place
        ? html`${place.lat.toFixed(place.precision === 'rounded' ? 2 : 5)}, ${place.lon.toFixed(place.precision === 'rounded' ? 2 : 5)} <span class="muted">(${place.precision === 'rounded' ? t('place_rounded') : t('place_precise')})</span>`
        : t('place_hidden')}</dd>`
    : null}
  <dt>${t('received_at')}</dt><dd>${formatInstant(e.received_at)} <span class="muted">(${t('received_rounded')})</span></dd>
  <dt>${t('verified_at')}</dt><dd>${formatInstant(e.verified_at)}</dd>
  <dt>${t('published_at')}</dt><dd>${formatInstant(e.published_at)}</dd>
  <dt>${t('permalink')}</dt><dd><a href="${entryUrl(e.id)}">${url}</a></dd>
</dl>`;
  const body =
    e.status === 'withdrawn'
      ? html`<article class="entry">
<h1>${category}</h1>
<p class="error" role="status">${t('withdrawn_notice', { date: formatInstant(e.withdrawn_at), reason: e.withdrawal_reason ?? '' })}</p>
${facts}
</article>`
      : html`<article class="entry">
<h1>${title}</h1>
${facts}
<h2>${t('description')}</h2>
<p class="description">${e.description}</p>
<h2>${t('files_title')}</h2>
<ul class="files">
${data.files.map((f) => fileItem(page, f, { device: e.public_device, original: e.original_downloadable }))}
</ul>
<section class="cite" aria-labelledby="cite-h">
<h2 id="cite-h">${t('cite_title')}</h2>
<pre class="citation" tabindex="0">${citation(page, data, url)}</pre>
<p class="muted">${t('cite_hint')} <a href="/api/v1/entries/${e.id}">JSON</a></p>
</section>
</article>`;
  const description = e.status === 'withdrawn' ? t('withdrawn_short') : e.description.slice(0, 200);
  const head = html`<link rel="canonical" href="${url}">
<meta name="description" content="${description}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="${t('app_name')}">
<meta property="og:title" content="${title} · ${e.region}, ${t('station')} ${e.station_number}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${url}">
${firstImage && e.status === 'published' ? html`<meta property="og:image" content="${site.baseUrl}/media/${firstImage.id}/preview.jpg">` : null}
<link rel="alternate" type="application/json" href="/api/v1/entries/${e.id}">`;
  return layout(page, title, body, { head });
}
