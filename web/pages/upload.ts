import type { Region } from '../../domain/regions/model';
import type { Category, Election } from '../../domain/catalog/model';
import { COUNT_CATEGORY, PROTOCOL_CATEGORY } from '../../domain/counts/model';
import { html, type Html } from '../html';
import { pluralForms } from '../i18n';
import { errorBox, layout, type PageContext } from '../layout';

export type UploadFormValues = Partial<Record<
  'election_id' | 'region' | 'station_number' | 'category_code' | 'description' | 'happened_at' | 'reporter_role' | 'complaint_status' | 'idempotency_key',
  string
>>;

export type UploadLimitsView = { maxFiles: number; maxPhotoMb: number; maxVideoMb: number };

const REPORTER_ROLES = ['observer', 'voter', 'commission_member', 'journalist', 'candidate'] as const;
const COMPLAINT_STATUSES = ['none', 'filed', 'answered'] as const;
/** What the page's script says before sending (web/static/upload.js); placeholders it fills in, and the form {n} asks for (one plural rule, web/i18n.ts). */
const SCRIPT_MESSAGES = [
  'check_fix_fields', 'check_required', 'check_station', 'check_no_files', 'check_too_many_files',
  'file_refused_empty', 'file_refused_type', 'file_refused_size', 'file_refused_server',
  'upload_file_progress', 'upload_speed', 'upload_speed_kb', 'upload_speed_mb', 'upload_left_s', 'upload_left_min', 'upload_left_h', 'upload_stalled', 'upload_resuming', 'kept_upload_resuming', 'kept_upload_removed', 'upload_finishing', 'uploading', 'upload_failed',
] as const;

const ACCEPT = 'image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,.heic,.heif,.dng,video/mp4,video/quicktime,video/3gpp,video/webm,.mts,.m2ts,.mkv,.avi,.mpg,.mpeg,.vob,.mod,.asf,.wmv,.flv,.mxf,.dv,.dif,.ogv,.rm,.rmvb,video/*';

/** What the form's list of regions shows. */
export type RegionName = Pick<Region, 'name_ru' | 'name_en'>;

/** The categories that have a form of their own, with the figures they need (web/pages/counts.ts). */
const FIGURES_FORMS: Record<string, string> = { [COUNT_CATEGORY]: '/count', [PROTOCOL_CATEGORY]: '/protocol' };

export function uploadPage(
  page: PageContext,
  data: {
    elections: Election[];
    categories: Category[];
    regions: RegionName[];
    limits: UploadLimitsView;
    values?: UploadFormValues;
    error?: string;
    /** A count or a protocol copy (web/pages/counts.ts): its own title, a fixed category and the figures' fields. */
    figures?: { title: string; intro: string; category: string; fieldset: Html };
  },
) {
  const { t, lang } = page;
  const v = data.values ?? {};
  const label = (row: { label_ru: string; label_en: string }) => (lang === 'ru' ? row.label_ru : row.label_en);
  const phases = [...new Map(data.categories.map((c) => [c.phase_code, lang === 'ru' ? c.phase_label_ru : c.phase_label_en])).entries()];
  const selectedElection = v.election_id ?? (data.elections.length === 1 ? String(data.elections[0]!.id) : '');
  const body = html`
<h1>${data.figures?.title ?? t('upload_title')}</h1>
${data.figures ? html`<p class="intro">${data.figures.intro}</p>` : null}
<p class="intro">${t('upload_intro')}</p>
${errorBox(data.error)}
<form id="upload-form" method="post" action="/submit" enctype="multipart/form-data" novalidate
      data-api="/api/v1/submissions" data-uploads="/api/v1/uploads" data-csrf="${page.csrfToken}"
      data-max-files="${data.limits.maxFiles}" data-max-photo-mb="${data.limits.maxPhotoMb}" data-max-video-mb="${data.limits.maxVideoMb}"
      data-messages="${JSON.stringify(Object.fromEntries(SCRIPT_MESSAGES.map((key) => [key, JSON.parse(pluralForms(key, lang)) as unknown])))}">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  <input type="hidden" name="idempotency_key" value="${v.idempotency_key ?? ''}">
  <label for="files">${t('field_files')}</label>
  <input id="files" name="files" type="file" multiple required accept="${ACCEPT}">
  <p class="hint">${t('field_files_hint', { n: data.limits.maxFiles, photo: data.limits.maxPhotoMb, video: data.limits.maxVideoMb })}</p>

  <label for="election_id">${t('field_election')}</label>
  <select id="election_id" name="election_id" required>
    <option value="">${t('choose')}</option>
    ${data.elections.map((e) => html`<option value="${e.id}" ${String(e.id) === selectedElection ? html`selected` : null}>${lang === 'ru' ? e.name_ru : e.name_en}</option>`)}
  </select>

  <label for="region">${t('field_region')}</label>
  <input id="region" name="region" required maxlength="200" value="${v.region ?? ''}" autocomplete="off" list="region-list" aria-describedby="region-hint">
  <datalist id="region-list">${data.regions.map((r) => html`<option value="${lang === 'ru' ? r.name_ru : r.name_en}">`)}</datalist>
  <p class="hint" id="region-hint">${t('field_region_hint')}</p>

  <label for="station_number">${t('field_station')}</label>
  <input id="station_number" name="station_number" required maxlength="20" value="${v.station_number ?? ''}" aria-describedby="station-hint" autocomplete="off">
  <p class="hint" id="station-hint">${t('field_station_hint')}</p>

  ${data.figures ? html`<input type="hidden" name="category_code" value="${data.figures.category}">` : html`<label for="category_code">${t('field_category')}</label>
  <select id="category_code" name="category_code" required>
    <option value="">${t('choose')}</option>
    ${phases.map(([code, phaseLabel]) => html`<optgroup label="${phaseLabel}">
      ${data.categories.filter((c) => c.phase_code === code).map((c) => html`<option value="${c.code}" ${c.code === v.category_code ? html`selected` : null} ${FIGURES_FORMS[c.code] ? html`data-figures-form="${FIGURES_FORMS[c.code]!}"` : null}>${label(c)}</option>`)}
    </optgroup>`)}
  </select>
  <p class="hint" id="figures-forms">${t('figures_forms_hint')} <a href="/count">${t('count_title')}</a> · <a href="/protocol">${t('protocol_title')}</a></p>`}

  <label for="description">${t('field_description')}</label>
  <textarea id="description" name="description" required maxlength="10000" rows="5">${v.description ?? ''}</textarea>
  ${data.figures?.fieldset ?? null}

  <label for="happened_at">${t('field_happened_at')}</label>
  <input id="happened_at" name="happened_at" type="datetime-local" value="${v.happened_at ?? ''}">

  <label for="reporter_role">${t('field_reporter_role')}</label>
  <select id="reporter_role" name="reporter_role">
    <option value="">${t('not_said')}</option>
    ${REPORTER_ROLES.map((r) => html`<option value="${r}" ${r === v.reporter_role ? html`selected` : null}>${t(`role_${r}`)}</option>`)}
  </select>

  <label for="complaint_status">${t('field_complaint')}</label>
  <select id="complaint_status" name="complaint_status">
    <option value="">${t('not_said')}</option>
    ${COMPLAINT_STATUSES.map((c) => html`<option value="${c}" ${c === v.complaint_status ? html`selected` : null}>${t(`complaint_${c}`)}</option>`)}
  </select>

  <div id="keep-on-phone-box" class="keep-on-phone" hidden>
    <label class="inline"><input type="checkbox" id="keep-on-phone" aria-describedby="keep-on-phone-hint"> ${t('keep_on_phone')}</label>
    <p class="hint" id="keep-on-phone-hint">${t('keep_on_phone_hint')}</p>
  </div>
  <div id="kept-upload" class="kept-upload" role="status" hidden>
    <p id="kept-upload-text"></p>
    <button type="button" class="secondary" id="kept-upload-remove">${t('kept_upload_remove')}</button>
  </div>

  <progress id="upload-progress" max="100" value="0" hidden aria-labelledby="upload-status"></progress>
  <p id="upload-status" role="status" aria-live="polite"></p>
  <button type="submit">${t('submit')}</button>
</form>
<section id="receipt" hidden data-label-title="${t('receipt_title')}" data-label-intro="${t('receipt_intro')}" data-label-id="${t('receipt_id')}" data-label-received-at="${t('received_at')}"
  data-label-file-name="${t('file_name')}" data-label-file-size="${t('file_size')}" data-label-mb="${t('size_mb')}" data-label-download="${t('receipt_download')}" data-label-send-more="${t('send_more')}"
  data-label-proof-title="${t('proof_title')}" data-label-proof-intro="${t('proof_intro')}" data-label-proof-index="${t('proof_log_index')}" data-label-proof-json="${t('proof_download_json')}"
  data-label-proof-text="${t('proof_download_text')}" data-label-proof-fingerprint="${t('proof_key_fingerprint')}" data-label-proof-key-pending="${t('proof_key_pending')}" data-label-page="${t('receipt_page_link')}"></section>`;
  return layout(page, data.figures?.title ?? t('upload_title'), body, { scripts: ['vendor/tus.min.js', 'upload.js'] });
}
