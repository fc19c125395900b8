import type { MediaFile, RelatedFile } from '../../domain/media/model';
import type { FileRedaction } from '../../domain/media/redaction';
import type { ChecklistFact } from '../../domain/moderation/checklist-facts';
import type { ChecklistItem, Claim, DecisionRecord, Note } from '../../domain/moderation/model';
import type { VideoCopyState } from '../../domain/media/video-copy';
import type { DiskSpace } from '../../domain/submissions/disk-space';
import type { Corroboration, MergedEntry, ObserverQuestion, QueueFilter, Submission } from '../../domain/submissions/model';
import { html, type Html } from '../html';
import { flagText, type T } from '../i18n';
import { errorBox, formatBytes, formatInstant, layout, type PageContext } from '../layout';
import { moderatorConversation } from './conversation';
import { captureTime } from './media-view';
import { queueUrl, reviewQuery, reviewUrl } from '../queue-links';
import { claimBanner, claimVersusFiles, corroborationPanel, decisionForms, decisionsList, diskWarning, keyboardHelp, notesPanel, reviewMap } from './review-panels';

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
      ? t('video_copy_state_encoding', { percent: String(Math.floor(Math.round(state.progress * 1000) / 10)) }) // stored as real: 0.42 reads 0.4199…
      : state.status === 'failed'
        ? t('video_copy_state_failed', { reason: state.failure_reason ?? '' })
        : t(`video_copy_state_${state.status}`);
  return html`<p class="video-copy">${t('video_copy_state')}: ${words}</p>`;
}

/**
 * A file as the moderator looks at it: a video plays in the page (its original first, by Range
 * requests; the web copy where the browser cannot play the original's format), a photo as its preview.
 */
function fileMedia(f: MediaFile, copy: VideoCopyState | undefined, t: T) {
  if (f.kind === 'video') {
    return html`<video controls preload="metadata" playsinline class="review-video" id="video-${f.id}"${f.has_preview ? html` poster="/moderation/files/${f.id}/preview.jpg"` : null} aria-label="${t('video_player')}: ${f.original_name}">
    <source src="/moderation/files/${f.id}/original" type="${f.mime}">
    ${copy?.status === 'ready' ? html`<source src="/moderation/files/${f.id}/video.mp4" type="video/mp4">` : null}
  </video>`;
  }
  return f.has_preview
    ? html`<a href="/moderation/files/${f.id}/preview.jpg"><img src="/moderation/files/${f.id}/preview.jpg" alt="${f.original_name}" loading="lazy"></a>`
    : f.has_thumb // a HEIC made ready from its embedded thumbnail: the full-size preview follows
      ? html`<img src="/moderation/files/${f.id}/thumb.jpg" alt="${f.original_name}" loading="lazy">`
      : null;
}

/** The observer's claim, compact: it sits in the decision column beside the comparison. */
function claimSummary(page: PageContext, s: Submission) {
  const { t, lang } = page;
  return html`<section class="claim" aria-labelledby="claim-h">
<h2 id="claim-h">${t('observer_claim')}</h2>
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
</section>`;
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
    /** Checklist items the files' facts establish: pre-ticked, with the reason. */
    established: Partial<Record<ChecklistItem, ChecklistFact>>;
    /** The queue the moderator came from (its filter), which next/previous and the next entry after a decision follow. */
    queue: QueueFilter | null;
    /** The entry decided just before this one opened. */
    decided: string | null;
    error?: string;
  },
) {
  const { t, lang } = page;
  const s = data.submission;
  const queue = data.queue;
  // Two columns from a laptop's width: what the files say on the left (scrolling), the claim, the
  // comparison and the decision on the right, always in view (web/static/style.css .review-layout).
  // Panels added later go into one of the two columns as a whole.
  // Two columns from a laptop's width: the claim, the comparison and the decision on the right,
  // always in view; what the files say on the left, scrolling (web/static/style.css .review-layout).
  // The decision column comes first in the page's order (read first, tabbed to first). Panels added
  // later go into one of the two columns as a whole.
  const body = html`
<div class="review-head">
<h1>${t('review_title')}</h1>
<nav class="entry-nav">
  <a href="${queueUrl(queue)}" id="back-to-queue">${t('back_to_queue')}</a>
  ${data.neighbours.previous ? html`<a href="${reviewUrl(data.neighbours.previous, queue)}" rel="prev" id="prev-entry">${t('prev_entry')}</a>` : null}
  ${data.neighbours.next ? html`<a href="${reviewUrl(data.neighbours.next, queue)}" rel="next" id="next-entry">${t('next_entry')}</a>` : null}
</nav>
</div>
${data.decided ? html`<p class="notice" role="status" id="decided-notice">${t('decided_opened_next', { entry: data.decided.slice(0, 8) })} <a href="${reviewUrl(data.decided, null)}">${t('decided_see')}</a></p>` : null}
${diskWarning(page, data.disk)}
${errorBox(data.error)}
<div class="review-layout">
<aside class="review-decide" aria-label="${t('decide_heading')}">
${claimBanner(page, data.claim, data.claimedByOther)}
${claimSummary(page, s)}
${claimVersusFiles(page, s, data.files)}
${decisionForms(page, s, data.files, data.redactions, { established: data.established, query: reviewQuery(queue) })}
${keyboardHelp(page)}
</aside>
<div class="review-files">
<section aria-labelledby="files-h">
<h2 id="files-h">${t('files_say')}</h2>
<ul class="files">
${data.files.map(
  (f) => html`<li class="file" id="file-${f.id}">
  <h3>${f.original_name}</h3>
  ${fileMedia(f, data.videoCopies.get(f.id), t)}
  ${f.has_contact ? html`<figure class="contact-sheet"><a href="/moderation/files/${f.id}/contact.jpg"><img src="/moderation/files/${f.id}/contact.jpg" alt="${t('contact_sheet')}" loading="lazy"></a><figcaption>${t('contact_sheet')}</figcaption></figure>` : null}
  ${fileFacts(f, data.related[f.id] ?? [], t, lang)}
  ${f.kind === 'video' ? videoCopyLine(t, data.videoCopies.get(f.id)) : null}
  <p><a href="/moderation/files/${f.id}/original" download>${t('open_original')}</a></p>
</li>`,
)}
</ul>
</section>
${reviewMap(page, s, data.files)}
${data.figures ?? null}
${moderatorConversation(page, data.conversation)}
${decisionsList(page, data.decisions)}
${notesPanel(page, s.id, data.notes)}
${corroborationPanel(page, data.corroboration, data.corroborationHours, data.mergedHere)}
</div>
</div>`;
  return layout(page, t('review_title'), body, { scripts: ['moderation.js', 'redaction.js', 'video-redaction.js', 'base-map.js', 'review-map.js'], wide: true });
}
