import type { MediaFileRow } from '../../db/media.repo';
import type { PublishedListRow, SubmissionRow } from '../../db/submissions.repo';
import { html } from '../html';
import { formatBytes, formatInstant, layout, type PageContext } from '../layout';
import { captureTime } from './media-view';

export function archiveListPage(page: PageContext, data: { items: PublishedListRow[]; next: string | null; isFirst: boolean }) {
  const { t, lang } = page;
  const body = html`
<h1>${t('archive_title')}</h1>
${data.items.length === 0 ? html`<p>${t('archive_empty')}</p>` : null}
<ol class="cards">
${data.items.map(
  (e) => html`<li class="card">
  <a href="/archive/${e.id}">
    ${e.first_file_id ? html`<img src="/media/${e.first_file_id}/thumb.jpg" alt="" width="160" height="120" loading="lazy">` : null}
    <strong>${lang === 'ru' ? e.category_label_ru : e.category_label_en}</strong>
  </a>
  <p>${e.region} · ${t('station')} ${e.station_number} · ${t('files_count', { n: e.file_count })}</p>
  <p class="muted">${e.description}</p>
  <p class="muted">${t('published_at')}: ${formatInstant(e.published_at)}</p>
</li>`,
)}
</ol>
<nav class="pager">
  ${data.isFirst ? null : html`<a href="/archive">${t('first_page')}</a>`}
  ${data.next ? html`<a rel="next" href="/archive?after=${data.next}">${t('next_page')}</a>` : null}
</nav>`;
  return layout(page, t('archive_title'), body);
}

export function entryPage(page: PageContext, data: { entry: SubmissionRow; files: MediaFileRow[] }) {
  const { t, lang } = page;
  const e = data.entry;
  const category = lang === 'ru' ? e.category_label_ru : e.category_label_en;
  const body = html`
<article class="entry">
<h1>${category}</h1>
<dl class="facts">
  <dt>${t('election')}</dt><dd>${lang === 'ru' ? e.election_name_ru : e.election_name_en}</dd>
  <dt>${t('region')}</dt><dd>${e.region}</dd>
  <dt>${t('station')}</dt><dd>${e.station_number}</dd>
  <dt>${t('happened_at')}</dt><dd>${e.happened_at ?? t('unknown')}</dd>
  <dt>${t('published_at')}</dt><dd>${formatInstant(e.published_at)}</dd>
  <dt>${t('permalink')}</dt><dd><a href="/archive/${e.id}">/archive/${e.id}</a></dd>
</dl>
<h2>${t('description')}</h2>
<p class="description">${e.description}</p>
<ul class="files">
${data.files.map(
  (f) => html`<li class="file">
  ${f.has_preview ? html`<a href="/media/${f.id}/preview.jpg"><img src="/media/${f.id}/preview.jpg" alt="" loading="lazy"></a>` : null}
  <dl>
    <dt>SHA-256</dt><dd><code class="hash">${f.sha256}</code></dd>
    <dt>${t('file_size')}</dt><dd>${formatBytes(f.bytes, lang)}</dd>
    <dt>${t('captured_at')}</dt><dd>${captureTime(f, t)}</dd>
  </dl>
  ${f.has_preview ? html`<p><a href="/media/${f.id}/published.jpg" download>${t('download_copy')}</a></p>` : null}
</li>`,
)}
</ul>
</article>`;
  return layout(page, category, body);
}
