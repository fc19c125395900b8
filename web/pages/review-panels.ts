/**
 * The parts of the review page around the files list: the claim banner, the claim next to what the
 * files say, the decision forms, the decisions so far, notes, corroboration and the keyboard help.
 */
import type { MediaFile } from '../../domain/media/model';
import { carriedByOriginals, type CarriedByOriginals, type OriginalReveal } from '../../domain/media/original-reveals';
import type { FileRedaction } from '../../domain/media/redaction';
import {
  CHECKLIST_ITEMS,
  REJECT_REASONS,
  allowedActions,
  canEditPublicText,
  type ChecklistItem,
  type Claim,
  type DecisionRecord,
  type Note,
} from '../../domain/moderation/model';
import { type Corroboration, type MergedEntry, type Submission } from '../../domain/submissions/model';
import type { DiskSpace } from '../../domain/submissions/disk-space';
import type { ProcessingBacklog } from '../../domain/processing/backlog';
import { html, type Html } from '../html';
import type { T } from '../i18n';
import { formatBytes, formatInstant, type PageContext } from '../layout';
import { captureTime } from './media-view';
import { redactionLine, videoRedactionPanel } from './video-redaction-panel';
import type { ChecklistFact } from '../../domain/moderation/checklist-facts';

const hhmm = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

export function claimBanner(page: PageContext, claim: Claim | null, claimedByOther: boolean): Html | null {
  const { t } = page;
  if (!claim) return null;
  return claimedByOther
    ? html`<p class="claim-banner other" role="alert" id="claim">${t('claim_other', { who: claim.account_email, since: hhmm(claim.claimed_at), until: hhmm(claim.expires_at) })}</p>`
    : html`<p class="claim-banner mine" role="status" id="claim">${t('claim_mine', { until: hhmm(claim.expires_at) })}</p>`;
}

/** Moderators learn the disk is filling before observers are refused, and while they are. */
export function diskWarning(page: PageContext, disk: DiskSpace): Html | null {
  const { t, lang } = page;
  if (disk.state === 'ok') return null;
  const sizes = { free: formatBytes(disk.freeBytes, lang), reserve: formatBytes(disk.reserveBytes, lang) };
  return html`<p class="error" role="alert" id="disk-warning">${t(disk.state === 'full' ? 'disk_full' : 'disk_low', sizes)}</p>`;
}

/** Always on the queue: free disk, and how far behind processing is (the oldest file not yet processed). */
export function processingLine(page: PageContext, disk: DiskSpace, backlog: ProcessingBacklog): Html {
  const { t, lang } = page;
  const free = t('disk_free', { free: formatBytes(disk.freeBytes, lang) });
  const behind = backlog.oldestUnfinishedAt
    ? t('processing_behind', { n: backlog.unfinished, since: formatInstant(backlog.oldestUnfinishedAt), retry: backlog.waitingRetry })
    : t('processing_caught_up');
  return html`<p class="muted" id="processing-status">${free} · ${behind}</p>`;
}

const flagged = (files: MediaFile[], flag: string) => files.some((f) => f.flags.includes(flag));

/** The observer's claim beside what the files say, with the mismatch flags where they apply. */
export function claimVersusFiles(page: PageContext, s: Submission, files: MediaFile[]): Html {
  const { t } = page;
  const mismatch = (...flags: string[]) => (flags.some((flag) => flagged(files, flag)) ? html` <strong class="mismatch">⚠ ${t('mismatch')}</strong>` : null);
  const times = files.filter((f) => f.taken_at_local).map((f) => html`<li>${f.original_name}: ${captureTime(f, t)}</li>`);
  const places = files.filter((f) => f.gps_lat !== null).map((f) => html`<li>${f.original_name}: ${f.gps_lat!.toFixed(5)}, ${f.gps_lon!.toFixed(5)}</li>`);
  const devices = [...new Set(files.map((f) => [f.make, f.model].filter(Boolean).join(' ')).filter(Boolean))];
  return html`<section aria-labelledby="compare-h">
<h2 id="compare-h">${t('claim_vs_files')}</h2>
<div class="table-scroll"><table class="compare">
  <thead><tr><th scope="col"></th><th scope="col">${t('claim_column')}</th><th scope="col">${t('files_column')}</th></tr></thead>
  <tbody>
  <tr><th scope="row">${t('compare_when')}${mismatch('time_mismatch')}</th><td>${s.happened_at?.replace('T', ' ') ?? t('unknown')}<br><span class="muted">${t('received_at')}: ${formatInstant(s.received_at)}</span></td>
    <td>${times.length ? html`<ul>${times}</ul>` : t('unknown')}</td></tr>
  <tr><th scope="row">${t('compare_where')}${mismatch('place_mismatch', 'region_mismatch')}</th><td>${s.region} · ${t('station')} ${s.station_number}${s.station_address ? html`<br>${s.station_address}${s.station_lat !== null ? html` <span class="muted">(${s.station_lat.toFixed(5)}, ${s.station_lon!.toFixed(5)})</span>` : null}` : html`<br><span class="muted">${t('no_station_record')}</span>`}</td>
    <td>${places.length ? html`<ul>${places}</ul>` : t('unknown')}</td></tr>
  <tr><th scope="row">${t('compare_device')}</th><td>—</td><td>${devices.length ? devices.join(', ') : t('unknown')}</td></tr>
  </tbody>
</table></div>
</section>`;
}

const hidden = (page: PageContext, s: Submission) =>
  html`<input type="hidden" name="_csrf" value="${page.csrfToken}"><input type="hidden" name="version" value="${s.version}">`;

/**
 * The four checks. An item the files' facts establish is pre-ticked with the reason beside it and
 * `prefilled_<item>` naming the fact, so the decision records it as confirmed rather than ticked;
 * moderation.js clears that field when the moderator changes the box.
 */
function checklistFieldset(t: T, established: Partial<Record<ChecklistItem, ChecklistFact>>): Html {
  return html`<fieldset class="checklist" id="checklist">
  <legend>${t('checklist')}</legend>
  ${CHECKLIST_ITEMS.map((k) => {
    const fact = established[k];
    return html`<div class="check${fact ? ' prefilled' : ''}">
    <label class="inline"><input type="checkbox" name="check_${k}" id="check_${k}"${fact ? html` checked data-prefilled="${fact.code}" aria-describedby="fact_${k}"` : null}> ${t(`check_${k}`)}</label>
    <label for="note_${k}" class="sub">${t('check_note')}</label>
    <input id="note_${k}" name="note_${k}" maxlength="1000" placeholder="${t('check_note')}">
    ${fact ? html`<input type="hidden" name="prefilled_${k}" id="prefilled_${k}" value="${fact.code}"><p class="fact" id="fact_${k}">${t('prefilled_by')} ${t(`fact_${fact.code}`, fact.params)}</p>` : null}
  </div>`;
  })}
</fieldset>`;
}

/** The second confirmation "allow downloading the original" needs, naming what these originals carry. */
function originalRevealsConfirmation(t: T, carried: CarriedByOriginals): Html | null {
  if (!carried.kinds.length) return null;
  const values: Record<OriginalReveal, string> = {
    gps: carried.gps.map((g) => `${g.lat.toFixed(5)}, ${g.lon.toFixed(5)}`).join('; '),
    device: carried.devices.join(', '),
    serial_numbers: carried.serialNumbers.join(', '),
    unread_metadata: carried.unread.join(', '),
  };
  const items = carried.kinds.map((k) => t(`reveals_${k}`, { values: values[k] }));
  return html`<label class="inline"><input type="checkbox" name="confirm_original_reveals" id="confirm_original_reveals" value="${carried.kinds.join(',')}"> ${t('confirm_original_reveals', { items: items.join('; ') })}</label>`;
}

/**
 * The public description starts empty (or as a moderator last wrote it), never as the observer's
 * words: those may give the observer away. Taking them is a deliberate click beside a warning
 * (moderation.js fills the field from data-observer-words; without scripts the button stays hidden).
 */
function publicDescriptionField(t: T, s: Submission): Html {
  return html`<label for="public_description">${t('public_description')}</label>
  <textarea id="public_description" name="public_description" maxlength="10000" rows="4">${s.public_description ?? ''}</textarea>
  <div class="observer-words">
    <p class="hint" id="observer-words-warning">${t('observer_words_warning')}</p>
    <button type="button" class="secondary" id="use-observer-words" data-observer-words="${s.description}" aria-describedby="observer-words-warning" hidden>${t('use_observer_words')}</button>
  </div>`;
}

/**
 * Rectangles to cover on each photo and video before it is published. The field `redact_<file id>`
 * holds one rectangle a line; web/static/redaction.js lets the moderator draw them on the preview
 * with the mouse or the keyboard and writes the lines. A video's panel is its own (video-redaction-panel.ts).
 */
function redactionFieldset(t: T, files: MediaFile[], redactions: FileRedaction[]): Html | null {
  const photos = files.filter((f) => f.kind === 'image' && f.has_preview);
  const videos = files.filter((f) => f.kind === 'video' && f.has_preview);
  if (!photos.length && !videos.length) return null;
  const regionsOf = (f: MediaFile) => redactions.find((r) => r.fileId === f.id)?.regions ?? [];
  return html`<fieldset class="redaction" id="redaction">
  <legend>${t('redaction')}</legend>
  <p class="hint" id="redaction-hint">${t('redaction_hint')}</p>
  <p class="hint" id="redaction-keys" hidden>${t('redaction_keys')}</p>
  ${photos.map((f) => {
    const lines = regionsOf(f).map(redactionLine).join('\n');
    return html`<div class="redact-file" data-file-id="${f.id}">
    <div class="redact-canvas" data-field="redact_${f.id}" aria-label="${t('redaction_canvas', { name: f.original_name })}" aria-describedby="redaction-keys">
      <img src="/moderation/files/${f.id}/preview.jpg" alt="${f.original_name}" draggable="false">
    </div>
    <label for="redact_${f.id}">${t('redaction_lines', { name: f.original_name })}</label>
    <textarea id="redact_${f.id}" name="redact_${f.id}" class="redact-lines" rows="2" spellcheck="false" aria-describedby="redaction-hint">${lines}</textarea>
  </div>`;
  })}
  ${videos.length ? html`<p class="hint" id="redaction-video-hint">${t('redaction_video_hint')}</p>` : null}
  ${videos.map((v) => videoRedactionPanel(t, v, regionsOf(v)))}
  <label class="inline" hidden id="redact-style-label">${t('redaction_style')} <select id="redact-style"><option value="blur">${t('redaction_blur')}</option><option value="fill">${t('redaction_fill')}</option></select></label>
</fieldset>`;
}

function publicChoicesFieldset(t: T, s: Submission, files: MediaFile[], redactions: FileRedaction[]): Html {
  const location = s.public_location;
  return html`<fieldset class="public-choices" id="public-choices">
  <legend>${t('public_choices')}</legend>
  <p class="hint">${t('public_choices_hint')}</p>
  <label for="public_title">${t('public_title')}</label>
  <input id="public_title" name="public_title" maxlength="300" value="${s.public_title ?? ''}">
  ${publicDescriptionField(t, s)}
  <fieldset class="radios"><legend>${t('public_location')}</legend>
    ${(['rounded', 'hidden', 'precise'] as const).map((v) => html`<label class="inline"><input type="radio" name="public_location" value="${v}" ${v === location ? html`checked` : null}> ${t(`location_${v}`)}</label>`)}
  </fieldset>
  <label class="inline"><input type="checkbox" name="public_device" id="public_device" ${s.public_device ? html`checked` : null}> ${t('public_device')}</label>
  <label class="inline"><input type="checkbox" name="original_downloadable" id="original_downloadable" ${s.original_downloadable ? html`checked` : null}> ${t('original_downloadable')}</label>
  ${originalRevealsConfirmation(t, carriedByOriginals(files))}
  ${redactionFieldset(t, files, redactions)}
</fieldset>`;
}

/**
 * The forms the state machine (domain/moderation/model.ts) allows in this status; each carries the
 * version it was rendered from, and in its address the queue the page was opened from (`query`),
 * so the next entry of that queue opens after the decision.
 */
export function decisionForms(
  page: PageContext,
  s: Submission,
  files: MediaFile[],
  redactions: FileRedaction[],
  context: { established: Partial<Record<ChecklistItem, ChecklistFact>>; query: string },
): Html | null {
  const { t } = page;
  const action = `/moderation/submissions/${s.id}/decision${context.query ? `?${context.query}` : ''}`;
  const allowed = new Set(allowedActions(s.status));
  const verifying = allowed.has('verify') || allowed.has('verify_publish');
  const button = (a: 'verify' | 'verify_publish' | 'publish', id: string) =>
    allowed.has(a) ? html`<button type="submit" name="action" value="${a}" id="${id}">${t(a)}</button>` : null;
  const verify = verifying || allowed.has('publish')
    ? html`<form method="post" action="${action}" class="decision" id="verify-form">${hidden(page, s)}
  ${verifying ? checklistFieldset(t, context.established) : null}
  <div class="decision-actions">
  ${button('verify', 'verify')}
  ${button('verify_publish', 'verify-publish')}
  ${button('publish', 'publish')}
  </div>
  ${publicChoicesFieldset(t, s, files, redactions)}
</form>`
    : null;
  const editText = canEditPublicText(s.status)
    ? html`<form method="post" action="/moderation/submissions/${s.id}/public-text" class="decision">${hidden(page, s)}
  <h3>${t('edit_public_text')}</h3>
  <label for="public_title">${t('public_title')}</label>
  <input id="public_title" name="public_title" maxlength="300" value="${s.public_title ?? ''}">
  ${publicDescriptionField(t, s)}
  <button type="submit" class="secondary">${t('save')}</button>
</form>`
    : null;
  const reject = allowed.has('reject')
    ? html`<form method="post" action="${action}" class="decision" id="reject-form">${hidden(page, s)}
  <input type="hidden" name="action" value="reject">
  <h3>${t('reject')}</h3>
  <label for="reason_code">${t('reject_reason_code')}</label>
  <select id="reason_code" name="reason_code" required><option value="">${t('choose')}</option>
    ${REJECT_REASONS.map((r) => html`<option value="${r}">${t(`reason_${r}`)}</option>`)}</select>
  <label for="reason">${t('reject_details')}</label>
  <textarea id="reason" name="reason" required maxlength="2000" rows="2"></textarea>
  <button type="submit" id="reject" class="danger">${t('reject')}</button>
</form>`
    : null;
  const needsInfo = allowed.has('needs_info')
    ? html`<form method="post" action="${action}" class="decision">${hidden(page, s)}
  <input type="hidden" name="action" value="needs_info">
  <label for="needs_info_reason">${t('needs_info_reason')}</label>
  <textarea id="needs_info_reason" name="reason" required maxlength="2000" rows="2"></textarea>
  <button type="submit" class="secondary">${t('needs_info')}</button>
</form>`
    : null;
  const merge = allowed.has('merge')
    ? html`<form method="post" action="${action}" class="decision">${hidden(page, s)}
  <input type="hidden" name="action" value="merge">
  <label for="merge_into">${t('merge_into')}</label>
  <input id="merge_into" name="merge_into" required pattern="[0-9a-fA-F-]{36}" autocomplete="off">
  <label for="merge_reason">${t('merge_reason')}</label>
  <input id="merge_reason" name="reason" required maxlength="2000">
  <button type="submit" class="secondary">${t('merge')}</button>
</form>`
    : null;
  const unpublish = allowed.has('unpublish')
    ? html`<form method="post" action="${action}" class="decision" id="unpublish-form">${hidden(page, s)}
  <input type="hidden" name="action" value="unpublish">
  <label for="unpublish_reason">${t('unpublish_reason')}</label>
  <textarea id="unpublish_reason" name="reason" required maxlength="2000" rows="2"></textarea>
  <button type="submit" id="unpublish" class="danger">${t('unpublish')}</button>
</form>`
    : null;
  const forms = [verify, editText, reject, needsInfo, merge, unpublish].filter((f) => f !== null);
  if (forms.length === 0) return null;
  return html`<section class="decide" aria-labelledby="decide-h">
<h2 id="decide-h">${t('decide_heading')}</h2>
${forms.map((f) => html`${f}
`)}</section>`;
}

function decisionDetails(t: T, d: DecisionRecord): Html | null {
  const parts: (Html | string)[] = [];
  if (d.reason_code) parts.push(t(`reason_${d.reason_code}`));
  if (d.reason) parts.push(d.reason);
  if (d.checklist) {
    parts.push(html`${CHECKLIST_ITEMS.map((k) => {
      const c = d.checklist![k];
      return html`<span class="check-result">${c.ok ? '✓' : '✗'} ${t(`check_${k}`)}${c.ok ? null : html` (${t('check_not_ok', { note: c.note })})`}</span> `;
    })}`);
  }
  if (d.public_choices) {
    const c = d.public_choices;
    parts.push(`${t('public_location')}: ${t(`location_${c.location}`)}; ${t('public_device')}: ${c.device ? '✓' : '✗'}; ${t('original_downloadable')}: ${c.originalDownloadable ? '✓' : '✗'}`);
  }
  if (d.merged_into) parts.push(html`<a href="/moderation/submissions/${d.merged_into}">${t('merged_into_link', { id: d.merged_into.slice(0, 8) })}</a>`);
  return parts.length ? html` — ${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}` : null;
}

export function decisionsList(page: PageContext, decisions: DecisionRecord[]): Html {
  const { t } = page;
  return html`<section aria-labelledby="decisions-h">
<h2 id="decisions-h">${t('decisions')}</h2>
<ul id="decisions">
${decisions.map((d) => html`<li>${formatInstant(d.created_at)} · ${d.account_email} · ${t(`action_${d.action}`)}${decisionDetails(t, d)}</li>`)}
</ul>
</section>`;
}

/** Notes nest under the note they answer; each has its own reply form. */
export function notesPanel(page: PageContext, submissionId: string, notes: Note[]): Html {
  const { t } = page;
  const action = `/moderation/submissions/${submissionId}/notes`;
  const csrf = html`<input type="hidden" name="_csrf" value="${page.csrfToken}">`;
  const children = (parent: string | null): Html[] =>
    notes
      .filter((n) => n.parent_id === parent)
      .map(
        (n) => html`<li id="note-${n.id}" class="note">
  <p class="muted">${n.account_email} · <time datetime="${n.created_at.toISOString()}">${formatInstant(n.created_at)}</time></p>
  <p class="description">${n.body}</p>
  <details><summary>${t('note_reply')}</summary>
    <form method="post" action="${action}">${csrf}<input type="hidden" name="parent_id" value="${n.id}">
      <label for="reply-${n.id}">${t('note_reply')}</label>
      <textarea id="reply-${n.id}" name="body" required maxlength="4000" rows="2"></textarea>
      <button type="submit" class="secondary">${t('note_reply')}</button>
    </form>
  </details>
  ${notes.some((c) => c.parent_id === n.id) ? html`<ul class="notes">${children(n.id)}</ul>` : null}
</li>`,
      );
  return html`<section aria-labelledby="notes-h" id="notes">
<h2 id="notes-h">${t('notes')}</h2>
${notes.length ? html`<ul class="notes">${children(null)}</ul>` : html`<p class="muted">${t('notes_none')}</p>`}
<form method="post" action="${action}">${csrf}
  <label for="note-body">${t('note_body')}</label>
  <textarea id="note-body" name="body" required maxlength="4000" rows="3"></textarea>
  <button type="submit" class="secondary">${t('note_add')}</button>
</form>
</section>`;
}

export function corroborationPanel(page: PageContext, rows: Corroboration[], hours: number, mergedHere: MergedEntry[]): Html {
  const { t, lang } = page;
  return html`<section aria-labelledby="corroboration-h" id="corroboration">
<h2 id="corroboration-h">${t('corroboration', { hours })}</h2>
${rows.length
  ? html`<ul>${rows.map((r) => html`<li><a href="/moderation/submissions/${r.id}">${lang === 'ru' ? r.category_label_ru : r.category_label_en}</a> · ${t(`status_${r.status}`)} · ${formatInstant(r.received_at)} — <span class="muted">${r.description}</span></li>`)}</ul>`
  : html`<p class="muted">${t('corroboration_none')}</p>`}
${mergedHere.length
  ? html`<h3>${t('merged_here')}</h3><ul>${mergedHere.map((m) => html`<li><a href="/moderation/submissions/${m.id}">${m.id.slice(0, 8)}</a> · ${formatInstant(m.received_at)} — <span class="muted">${m.description}</span></li>`)}</ul>`
  : null}
</section>`;
}

/** The shortcuts web/static/moderation.js implements, documented where they are used. */
export function keyboardHelp(page: PageContext): Html {
  const { t } = page;
  const keys: [string, string][] = [
    ['j', t('key_next')],
    ['k', t('key_prev')],
    ['v', t('key_verify')],
    ['V', t('key_verify_now')],
    ['p', t('key_play')],
    ['r', t('key_reject')],
    ['o', t('key_open')],
    ['n', t('key_notes')],
    ['?', t('key_help')],
  ];
  return html`<details class="keyboard" id="keyboard-help"><summary>${t('keyboard')}</summary>
<dl class="keys">${keys.map(([k, what]) => html`<dt><kbd>${k}</kbd></dt><dd>${what}</dd>`)}</dl>
</details>`;
}

/**
 * Where the files were taken and where the claimed station is, on the archive map's offline base
 * layer (country borders, web/static/base-map.js; no tiles from anyone). Drawn by
 * web/static/review-map.js from data-points; the list below it says the same in words.
 */
export function reviewMap(page: PageContext, s: Submission, files: MediaFile[]): Html | null {
  const { t } = page;
  const gps = files.filter((f) => f.gps_lat !== null && f.gps_lon !== null);
  const station = s.station_lat !== null && s.station_lon !== null ? { lat: s.station_lat, lon: s.station_lon } : null;
  if (!gps.length && !station) return null;
  const points = [
    ...gps.map((f) => ({ kind: 'file', lat: f.gps_lat!, lon: f.gps_lon!, label: f.original_name })),
    ...(station ? [{ kind: 'station', lat: station.lat, lon: station.lon, label: `${t('station')} ${s.station_number}` }] : []),
  ];
  return html`<section class="review-map-section" aria-labelledby="map-h">
<h2 id="map-h">${t('review_map')}</h2>
<div id="review-map" class="map review-map" role="img" aria-label="${t('review_map')}" data-points="${JSON.stringify(points)}"></div>
<ul class="map-legend">
  ${gps.map((f) => html`<li><span class="marker file" aria-hidden="true"></span> ${f.original_name}: ${f.gps_lat!.toFixed(5)}, ${f.gps_lon!.toFixed(5)}</li>`)}
  ${station ? html`<li><span class="marker station" aria-hidden="true"></span> ${t('station')} ${s.station_number}: ${station.lat.toFixed(5)}, ${station.lon.toFixed(5)}</li>` : html`<li class="muted">${t('no_station_record')}</li>`}
</ul>
</section>`;
}
