/**
 * The review page's panel for covering parts of a video before it is published (issue 18, item 1):
 * the clip, paused where the moderator wants, under a drawing surface (web/static/redaction.js draws
 * the boxes, web/static/video-redaction.js plays, seeks and gives each new box its time range), and
 * the field `redact_<file id>` holding one box a line: left top width height (percent), from to
 * (seconds), style. Without scripts the moderator types the lines; the clip shows its poster.
 */
import type { MediaFile } from '../../domain/media/model';
import { isTimed, type RedactionRegion } from '../../domain/media/redaction';
import { html, type Html } from '../html';
import type { T } from '../i18n';

const percent = (v: number) => String(Math.round(v * 10_000) / 100);
const seconds = (v: number) => String(Math.round(v * 1000) / 1000);

/** A box as the field holds it; one without a time range covers the whole clip. */
export const redactionLine = (r: RedactionRegion) =>
  [percent(r.x), percent(r.y), percent(r.w), percent(r.h), ...(isTimed(r) ? [seconds(r.from_s), seconds(r.to_s)] : []), r.style].join(' ');

export function videoRedactionPanel(t: T, video: MediaFile, regions: RedactionRegion[]): Html {
  const field = `redact_${video.id}`;
  const length = video.duration_s ? seconds(video.duration_s) : '';
  return html`<div class="redact-file vredact-file" data-file-id="${video.id}" data-duration="${length}">
    <div class="redact-canvas vredact-canvas" data-field="${field}" aria-label="${t('redaction_video_canvas', { name: video.original_name })}" aria-describedby="redaction-keys">
      <video src="/moderation/files/${video.id}/original" poster="/moderation/files/${video.id}/preview.jpg" preload="metadata" muted playsinline></video>
    </div>
    <div class="vredact-controls" hidden>
      <button type="button" class="secondary vredact-play" aria-pressed="false">${t('vredact_play')}</button>
      <label class="inline">${t('vredact_position')} <input type="range" class="vredact-seek" min="0" max="${length || '0'}" step="0.1" value="0"></label>
      <output class="vredact-now" aria-live="off">0 s</output>
      <label class="inline">${t('vredact_from')} <input type="number" class="vredact-from" min="0" step="any" value="0"></label>
      <button type="button" class="secondary vredact-from-now">${t('vredact_from_now')}</button>
      <label class="inline">${t('vredact_to')} <input type="number" class="vredact-to" min="0" step="any" value="${length}"></label>
      <button type="button" class="secondary vredact-to-now">${t('vredact_to_now')}</button>
    </div>
    <label for="${field}">${t('redaction_lines', { name: video.original_name })}</label>
    <textarea id="${field}" name="${field}" class="redact-lines" rows="2" spellcheck="false" aria-describedby="redaction-video-hint">${regions.map(redactionLine).join('\n')}</textarea>
  </div>`;
}
