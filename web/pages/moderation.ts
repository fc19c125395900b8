import type { MediaFile, RelatedFile } from '../../domain/media/model';
import type { FileRedaction } from '../../domain/media/redaction';
import type { Claim, DecisionRecord, Note } from '../../domain/moderation/model';
import type { VideoCopyState } from '../../domain/media/video-copy';
import type { DiskSpace } from '../../domain/submissions/disk-space';
import type { Corroboration, MergedEntry, ObserverQuestion, Submission } from '../../domain/submissions/model';
import { html, type Html } from '../html';
import { flagText, type T } from '../i18n';
import { errorBox, formatBytes, formatInstant, layout, type PageContext } from '../layout';
import { moderatorConversation } from './conversation';
import { captureTime } from './media-view';
import { claimBanner, claimVersusFiles, corroborationPanel, decisionForms, decisionsList, diskWarning, keyboardHelp, notesPanel } from './review-panels';

/** The other files behind a relation flag, each linked to its submission's review page. */
function relatedLinks(flag: string, related: RelatedFile[], t: T) {
  const partners = related.filter((r) => r.relation === flag);
  if (partners.length === 0) return null;
  return html`<ul class="related">${partners.map(
    (r) => html`<li><a href="/moderation/submissions/${r.submission_id}#file-${r.file_id}">${r.original_name}</a> · ${t('related_in_submission', { id: r.submission_id.slice(0, 8) })}${r.relation === 'near_duplicate' ? html` · ${t('related_distance', { n: r.distance })}` : null}</li>`,
  )}</ul>`;
}

function fileFacts(f: MediaFile, related: RelatedFile[], t: T, lang: 'ru' | 'en') {
  const warnings = Array.isArray(f.metadata?.warnings) ? (f.metadata!.warnings as string[]) : [];
  return html`<dl class="facts">
  <dt>${t('status')}</dt><dd class="status-${f.status}">${t(`status_${f.status}`)}${f.failure_reason ? html`: ${f.failure_reason}` : null}</dd>
  <dt>SHA-256</dt><dd><code class="hash">${f.sha256}</code></dd>
  <dt>${t('file_size')}</dt><dd>${formatBytes(f.bytes, lang)} · ${f.mime}</dd>
  <dt>${t('captured_at')}</dt><dd>${captureTime(f, t)}${f.taken_at_utc ? html` = ${f.taken_at_utc.toISOString().replace('.000Z', 'Z')}` : null}</dd>
  <dt>${t('gps')}</dt><dd>${f.gps_lat !== null ? html`${f.gps_lat.toFixed(6)}, ${f.gps_lon!.toFixed(6)}${f.gps_alt !== null ? ` · ${Math.round(f.gps_alt)} m` : ''} · ${f.gps_source ?? ''}` : t('unknown')}</dd>
  <dt>${t('device')}</dt><dd>${[f.make, f.model].filter(Boolean).join(' ') || t('unknown')}${f.software ? ` · ${f.software}` : ''}</dd>
  <dt>${t('dimensions')}</dt><dd>${f.width && f.height ? `${f.width}×${f.height}` : t('unknown')}${f.orientation ? ` · orientation ${f.orientation}` : ''}${f.duration_s !== null ? ` · ${f.duration_s.toFixed(1)} s` : ''}</dd>
  <dt>${t('flags')}</dt><dd>${f.flags.length || warnings.length ? html`<ul class="flags">${f.flags.map((fl) => html`<li class="flag" data-flag="${fl}">${flagText(fl, t)}${relatedLinks(fl, related, t)}</li>`)}${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : '—'}</dd>
</dl>`;
}

/** Where the video's published copy stands: a moderator publishing a video sees whether it will play yet. */
function videoCopyLine(t: T, state: VideoCopyState | undefined) {
  const words = !state
    ? t('video_copy_state_none')
    : state.status === 'encoding'
      ? t('video_copy_state_encoding', { percent: String(Math.floor(state.progress * 100)) })
      : state.status === 'failed'
        ? t('video_copy_state_failed', { reason: state.failure_reason ?? '' })
        : t(`video_copy_state_${state.status}`);
  return html`<p class="video-copy">${t('video_copy_state')}: ${words}</p>`;
}

export function reviewPage(
  page: PageContext,
  data: {
    submission: Submission;
    files: MediaFile[];
    related: Record<string, RelatedFile[]>;
    videoCopies: Map<string, VideoCopyState>;
    decisions: DecisionRecord[];
    conversation: ObserverQuestion[];
    notes: Note[];
    corroboration: Corroboration[];
    corroborationHours: number;
    mergedHere: MergedEntry[];
    neighbours: { previous: string | null; next: string | null };
    claim: Claim | null;
    claimedByOther: boolean;
    disk: DiskSpace;
    /** A count's or protocol copy's figures (web/pages/counts.ts figuresReviewPanel), if it carries any. */
    figures?: Html | null;
    redactions: FileRedaction[];
    error?: string;
  },
) {
  const { t, lang } = page;
  const s = data.submission;
  const body = html`
<nav class="entry-nav">
  <a href="/moderation">${t('back_to_queue')}</a>
  ${data.neighbours.previous ? html`<a href="/moderation/submissions/${data.neighbours.previous}" rel="prev" id="prev-entry">${t('prev_entry')}</a>` : null}
  ${data.neighbours.next ? html`<a href="/moderation/submissions/${data.neighbours.next}" rel="next" id="next-entry">${t('next_entry')}</a>` : null}
</nav>
<h1>${t('review_title')}</h1>
${diskWarning(page, data.disk)}
${errorBox(data.error)}
${claimBanner(page, data.claim, data.claimedByOther)}
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
  <dt>${t('entry_id')}</dt><dd><code>${s.id}</code></dd>
</dl>
<p class="description">${s.description}</p>
</section>
${moderatorConversation(page, data.conversation)}
${claimVersusFiles(page, s, data.files)}
<section>
<h2>${t('files_say')}</h2>
<ul class="files">
${data.files.map(
  (f) => html`<li class="file" id="file-${f.id}">
  <h3>${f.original_name}</h3>
  ${f.has_preview
    ? html`<a href="/moderation/files/${f.id}/preview.jpg"><img src="/moderation/files/${f.id}/preview.jpg" alt="${f.original_name}" loading="lazy"></a>`
    : f.has_thumb // a HEIC made ready from its embedded thumbnail: the full-size preview follows
      ? html`<img src="/moderation/files/${f.id}/thumb.jpg" alt="${f.original_name}" loading="lazy">`
      : null}
  ${f.has_contact ? html`<figure class="contact-sheet"><a href="/moderation/files/${f.id}/contact.jpg"><img src="/moderation/files/${f.id}/contact.jpg" alt="${t('contact_sheet')}" loading="lazy"></a><figcaption>${t('contact_sheet')}</figcaption></figure>` : null}
  ${fileFacts(f, data.related[f.id] ?? [], t, lang)}
  ${f.kind === 'video' ? videoCopyLine(t, data.videoCopies.get(f.id)) : null}
  <p><a href="/moderation/files/${f.id}/original" download>${t('open_original')}</a></p>
</li>`,
)}
</ul>
</section>
${data.figures ?? null}
${decisionForms(page, s, data.files, data.redactions)}
${decisionsList(page, data.decisions)}
${notesPanel(page, s.id, data.notes)}
${corroborationPanel(page, data.corroboration, data.corroborationHours, data.mergedHere)}
${keyboardHelp(page)}`;
  return layout(page, t('review_title'), body, { scripts: ['moderation.js', 'redaction.js', 'video-redaction.js'] });
}
