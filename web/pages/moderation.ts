import type { MediaFileRow } from '../../db/media.repo';
import type { DecisionRow, QueueItemRow, SubmissionRow, SubmissionStatus } from '../../db/submissions.repo';
import { html } from '../html';
import { hasMessage, type T } from '../i18n';
import { errorBox, formatBytes, formatInstant, layout, type PageContext } from '../layout';
import { captureTime } from './media-view';

export function queuePage(
  page: PageContext,
  data: { items: QueueItemRow[]; counts: Record<SubmissionStatus, number>; next: string | null; isFirst: boolean },
) {
  const { t, lang } = page;
  const body = html`
<h1>${t('queue_title')}</h1>
<p id="queue-counts">${t('queue_counts', data.counts)}</p>
${data.items.length === 0 ? html`<p>${t('queue_empty')}</p>` : null}
<ol class="queue">
${data.items.map(
  (s) => html`<li>
  <a href="/moderation/submissions/${s.id}">
    ${s.first_file_id ? html`<img src="/moderation/files/${s.first_file_id}/thumb.jpg" alt="" width="80" height="60" loading="lazy">` : null}
    <strong>${lang === 'ru' ? s.category_label_ru : s.category_label_en}</strong>
  </a>
  · ${s.region} · ${t('station')} ${s.station_number} · ${t('files_count', { n: s.file_count })}
  ${s.files_unfinished > 0 ? html`<span class="badge">${t('processing')}</span>` : null}
  <br><span class="muted">${t('received_at')}: ${formatInstant(s.received_at)} — ${s.description}</span>
</li>`,
)}
</ol>
<nav class="pager">
  ${data.isFirst ? null : html`<a href="/moderation">${t('first_page')}</a>`}
  ${data.next ? html`<a rel="next" href="/moderation?after=${data.next}">${t('next_page')}</a>` : null}
</nav>`;
  return layout(page, t('queue_title'), body);
}

function flagText(flag: string, t: T): string {
  const key = `flag_${flag}`;
  return hasMessage(key) ? t(key) : flag;
}

function fileFacts(f: MediaFileRow, t: T, lang: 'ru' | 'en') {
  const warnings = Array.isArray(f.metadata?.warnings) ? (f.metadata!.warnings as string[]) : [];
  return html`<dl class="facts">
  <dt>${t('status')}</dt><dd class="status-${f.status}">${t(`status_${f.status}`)}${f.failure_reason ? html`: ${f.failure_reason}` : null}</dd>
  <dt>SHA-256</dt><dd><code class="hash">${f.sha256}</code></dd>
  <dt>${t('file_size')}</dt><dd>${formatBytes(f.bytes, lang)} · ${f.mime}</dd>
  <dt>${t('captured_at')}</dt><dd>${captureTime(f, t)}${f.taken_at_utc ? html` = ${f.taken_at_utc.toISOString().replace('.000Z', 'Z')}` : null}</dd>
  <dt>${t('gps')}</dt><dd>${f.gps_lat !== null ? html`${f.gps_lat.toFixed(6)}, ${f.gps_lon!.toFixed(6)}${f.gps_alt !== null ? ` · ${Math.round(f.gps_alt)} m` : ''} · ${f.gps_source ?? ''}` : t('unknown')}</dd>
  <dt>${t('device')}</dt><dd>${[f.make, f.model].filter(Boolean).join(' ') || t('unknown')}${f.software ? ` · ${f.software}` : ''}</dd>
  <dt>${t('dimensions')}</dt><dd>${f.width && f.height ? `${f.width}×${f.height}` : t('unknown')}${f.orientation ? ` · orientation ${f.orientation}` : ''}${f.duration_s !== null ? ` · ${f.duration_s.toFixed(1)} s` : ''}</dd>
  <dt>${t('flags')}</dt><dd>${f.flags.length || warnings.length ? html`<ul class="flags">${f.flags.map((fl) => html`<li class="flag">${flagText(fl, t)}</li>`)}${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : '—'}</dd>
</dl>`;
}

export function reviewPage(
  page: PageContext,
  data: { submission: SubmissionRow; files: MediaFileRow[]; decisions: DecisionRow[]; error?: string },
) {
  const { t, lang } = page;
  const s = data.submission;
  const body = html`
<p><a href="/moderation">${t('back_to_queue')}</a></p>
<h1>${t('review_title')}</h1>
${errorBox(data.error)}
<section class="claim">
<h2>${t('observer_claim')}</h2>
<dl class="facts">
  <dt>${t('status')}</dt><dd id="submission-status">${t(`status_${s.status}`)}</dd>
  <dt>${t('election')}</dt><dd>${lang === 'ru' ? s.election_name_ru : s.election_name_en}</dd>
  <dt>${t('region')}</dt><dd>${s.region}</dd>
  <dt>${t('station')}</dt><dd>${s.station_number}</dd>
  <dt>${t('category')}</dt><dd>${lang === 'ru' ? s.category_label_ru : s.category_label_en}</dd>
  <dt>${t('happened_at')}</dt><dd>${s.happened_at ?? t('unknown')}</dd>
  <dt>${t('received_at')}</dt><dd>${formatInstant(s.received_at)}</dd>
</dl>
<p class="description">${s.description}</p>
</section>
<section>
<h2>${t('files_say')}</h2>
<ul class="files">
${data.files.map(
  (f) => html`<li class="file" id="file-${f.id}">
  <h3>${f.original_name}</h3>
  ${f.has_preview ? html`<a href="/moderation/files/${f.id}/preview.jpg"><img src="/moderation/files/${f.id}/preview.jpg" alt="${f.original_name}" loading="lazy"></a>` : null}
  ${fileFacts(f, t, lang)}
  <p><a href="/moderation/files/${f.id}/original" download>${t('open_original')}</a></p>
</li>`,
)}
</ul>
</section>
${s.status === 'pending'
  ? html`<section class="decide">
<form method="post" action="/moderation/submissions/${s.id}/decision" class="inline-form">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  <input type="hidden" name="action" value="verify_publish">
  <button type="submit" id="verify-publish">${t('verify_publish')}</button>
</form>
<form method="post" action="/moderation/submissions/${s.id}/decision">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  <input type="hidden" name="action" value="reject">
  <label for="reason">${t('reject_reason')}</label>
  <textarea id="reason" name="reason" required maxlength="2000" rows="2"></textarea>
  <button type="submit" id="reject" class="danger">${t('reject')}</button>
</form>
</section>`
  : null}
<section>
<h2>${t('decisions')}</h2>
<ul id="decisions">
${data.decisions.map((d) => html`<li>${formatInstant(d.created_at)} · ${d.account_email} · ${t(`action_${d.action}`)}${d.reason ? html` — ${d.reason}` : null}</li>`)}
</ul>
</section>`;
  return layout(page, t('review_title'), body);
}
