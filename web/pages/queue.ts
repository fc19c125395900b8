import type { Category, Election } from '../../domain/catalog/model';
import { QUEUE_FLAGS } from '../../domain/media/flags';
import type { DiskSpace } from '../../domain/submissions/disk-space';
import type { ProcessingBacklog } from '../../domain/processing/backlog';
import { SUBMISSION_STATUSES, type QueueFilter, type QueueItem, type SubmissionStatus } from '../../domain/submissions/model';
import { html } from '../html';
import { flagText } from '../i18n';
import { errorBox, formatInstant, layout, type PageContext } from '../layout';
import type { QueueGroup } from '../../domain/moderation/clusters';
import { REJECT_REASONS } from '../../domain/moderation/model';
import { diskWarning, keyboardHelp, processingLine } from './review-panels';
import { queueFilterParams, queueUrl, reviewUrl } from '../queue-links';

/** One entry of the queue, with its checkbox for the bulk form (and, in a cluster, "keep this one" for a merge). */
function queueEntry(page: PageContext, s: QueueItem, inCluster: boolean, filter: QueueFilter) {
  const { t, lang } = page;
  const label = `${lang === 'ru' ? s.category_label_ru : s.category_label_en} · ${t('station')} ${s.station_number} · ${s.id.slice(0, 8)}`;
  return html`<li data-entry="${s.id}">
  <input type="checkbox" name="ids" value="${s.id}" form="bulk-form" aria-label="${t('bulk_tick', { entry: label })}">
  <a href="${reviewUrl(s.id, filter)}">
    ${s.first_file_id && s.files_unfinished === 0 ? html`<img src="/moderation/files/${s.first_file_id}/thumb.jpg" alt="" width="80" height="60" loading="lazy">` : null}
    <strong>${lang === 'ru' ? s.category_label_ru : s.category_label_en}</strong>
  </a>
  · ${s.region} · ${t('station')} ${s.station_number} · ${t('files_count', { n: s.file_count })}
  ${s.files_unfinished > 0 ? html`<span class="badge">${t('processing')}</span>` : null}
  ${s.answered_at && s.status === 'pending' ? html`<span class="badge answered" title="${formatInstant(s.answered_at)}">${t('answered_badge')}</span>` : null}
  ${s.has_video ? html`<span class="badge">${t('queue_video')}</span>` : null}
  ${s.claimed_by ? html`<span class="badge claimed">${t('claimed_by', { who: s.claimed_by })}</span>` : null}
  ${s.flags.map((fl) => html`<span class="badge flag" title="${flagText(fl, t)}">${flagText(fl, t)}</span>`)}
  ${inCluster ? html`<label class="inline keep"><input type="radio" name="merge_into" value="${s.id}" form="bulk-form"> ${t('cluster_keep', { entry: label })}</label>` : null}
  <br><span class="muted">${t('received_at')}: ${formatInstant(s.received_at)} — ${s.description}</span>
</li>`;
}

/** One decision for every ticked entry: reject (spam), ask for more information, or merge into the one kept. */
function bulkForm(page: PageContext, status: SubmissionStatus) {
  const { t } = page;
  if (status !== 'pending' && status !== 'needs_info' && status !== 'verified') return null;
  return html`<form method="post" action="/moderation/bulk" id="bulk-form" class="bulk">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  <fieldset><legend>${t('bulk_legend')}</legend>
  <label for="bulk-action">${t('bulk_action')}</label>
  <select id="bulk-action" name="action">
    <option value="reject">${t('reject')}</option>
    <option value="needs_info">${t('needs_info')}</option>
    <option value="merge">${t('bulk_merge')}</option>
  </select>
  <label for="bulk-reason-code">${t('reject_reason_code')}</label>
  <select id="bulk-reason-code" name="reason_code"><option value="">${t('choose')}</option>
    ${REJECT_REASONS.map((r) => html`<option value="${r}">${t(`reason_${r}`)}</option>`)}</select>
  <label for="bulk-reason">${t('bulk_reason')}</label>
  <input id="bulk-reason" name="reason" maxlength="2000" required>
  <button type="submit" id="bulk-apply">${t('bulk_apply')}</button>
  </fieldset>
</form>`;
}

/** Entries of the shown status per flag, each a link that filters by it. */
function flagCountsLine(page: PageContext, f: QueueFilter, counts: Record<string, number>) {
  const { t } = page;
  const flags = QUEUE_FLAGS.filter((fl) => counts[fl]);
  return html`<p id="flag-counts">${t('queue_flag_counts')}: ${flags.length
    ? flags.map((fl, i) => html`${i ? ' · ' : ''}<a href="${queueUrl(f, { flag: fl })}" data-flag="${fl}">${flagText(fl, t)}</a> <span class="count">${counts[fl]}</span>`)
    : '—'}</p>`;
}

/** "My region": the moderator's own region kept on their account; one link filters the queue by it. */
function myRegionForm(page: PageContext, f: QueueFilter, myRegion: string | null) {
  const { t } = page;
  return html`<form method="post" action="/moderation/my-region" class="row-form my-region" id="my-region">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  ${myRegion ? html`<a href="${queueUrl({ ...f, region: myRegion })}" id="my-region-link">${t('my_region_show', { region: myRegion })}</a>` : html`<span class="muted">${t('my_region_none')}</span>`}
  <label for="my-region-input" class="visually-hidden">${t('my_region')}</label>
  <input id="my-region-input" name="region" maxlength="200" value="${myRegion ?? f.region ?? ''}" placeholder="${t('my_region')}">
  <button type="submit" class="secondary">${t('my_region_save')}</button>
</form>`;
}

export function queuePage(
  page: PageContext,
  data: {
    items: QueueItem[];
    counts: Record<SubmissionStatus, number>;
    next: string | null;
    isFirst: boolean;
    filter: QueueFilter;
    elections: Election[];
    categories: Category[];
    disk: DiskSpace;
    backlog: ProcessingBacklog;
    groups: QueueGroup[];
    bulk: { done: number; refused: number } | null;
    /** Entries of the shown status per flag. */
    flagCounts: Record<string, number>;
    /** What the live queue's poll (GET /moderation/live) answers while the page is current. */
    live: unknown;
    /** The moderator's own region (account setting), for "my region". */
    myRegion: string | null;
    /** The entry decided just before, when nothing was left in the queue to open after it. */
    decided: string | null;
    error?: string;
  },
) {
  const { t, lang } = page;
  const f = data.filter;
  const selected = (on: boolean) => (on ? html`selected` : null);
  const query = queueFilterParams(f);
  const body = html`
<p class="entry-nav"><a href="/account">${t('nav_account')}</a> · <a href="/moderation/replication">${t('replication_title')}</a></p>
<h1>${t('queue_title')}</h1>
${errorBox(data.error)}
${data.bulk ? html`<p class="notice" role="status" id="bulk-result">${t('bulk_result', { done: data.bulk.done, refused: data.bulk.refused })}</p>` : null}
${diskWarning(page, data.disk)}
${processingLine(page, data.disk, data.backlog)}
${data.decided ? html`<p class="notice" role="status" id="queue-done">${t('decided_queue_empty', { entry: data.decided.slice(0, 8) })} <a href="${reviewUrl(data.decided, null)}">${t('decided_see')}</a></p>` : null}
<div id="live-queue" data-live="/moderation/live?${query}" data-state="${JSON.stringify(data.live)}" data-label-updated="${t('queue_live_updated', { time: '{time}' })}">
<p id="queue-counts">${t('queue_counts', data.counts)}</p>
${flagCountsLine(page, f, data.flagCounts)}
<p class="muted" id="live-status" aria-live="polite" hidden>${t('queue_live')}</p>
</div>
${myRegionForm(page, f, data.myRegion)}
<nav class="status-tabs" id="status-tabs" aria-label="${t('status')}">
  ${SUBMISSION_STATUSES.map((st) => html`<a href="/moderation?${queueFilterParams({ ...f, status: st })}" ${st === f.status ? html`aria-current="page"` : null}>${t(`status_${st}`)} <span class="count">${data.counts[st]}</span></a>`)}
</nav>
<form method="get" action="/moderation" class="filters" aria-label="${t('queue_filters')}">
  <input type="hidden" name="status" value="${f.status}">
  <div><label for="f-election">${t('election')}</label>
  <select id="f-election" name="election"><option value="">${t('queue_any')}</option>
    ${data.elections.map((e) => html`<option value="${e.id}" ${selected(e.id === f.electionId)}>${lang === 'ru' ? e.name_ru : e.name_en}</option>`)}</select></div>
  <div><label for="f-region">${t('region')}</label><input id="f-region" name="region" maxlength="200" value="${f.region ?? ''}"></div>
  <div><label for="f-category">${t('category')}</label>
  <select id="f-category" name="category"><option value="">${t('queue_any')}</option>
    ${data.categories.map((c) => html`<option value="${c.code}" ${selected(c.code === f.categoryCode)}>${lang === 'ru' ? c.label_ru : c.label_en}</option>`)}</select></div>
  <div><label for="f-flag">${t('flags')}</label>
  <select id="f-flag" name="flag"><option value="">${t('queue_any')}</option>
    ${QUEUE_FLAGS.map((fl) => html`<option value="${fl}" ${selected(fl === f.flag)}>${flagText(fl, t)}</option>`)}</select></div>
  <div><label for="f-from">${t('queue_received_from')}</label><input id="f-from" name="received_from" type="date" value="${f.receivedFrom?.toISOString().slice(0, 10) ?? ''}"></div>
  <div><label for="f-to">${t('queue_received_to')}</label><input id="f-to" name="received_to" type="date" value="${f.receivedBefore ? new Date(f.receivedBefore.getTime() - 86_400_000).toISOString().slice(0, 10) : ''}"></div>
  <div><label for="f-sort">${t('queue_sort')}</label>
  <select id="f-sort" name="sort"><option value="oldest" ${selected(f.sort === 'oldest')}>${t('sort_oldest')}</option><option value="newest" ${selected(f.sort === 'newest')}>${t('sort_newest')}</option></select></div>
  <div><label class="inline"><input type="checkbox" name="has_video" value="1" ${f.hasVideo ? html`checked` : null}> ${t('queue_has_video')}</label></div>
  <div><button type="submit">${t('queue_apply')}</button> <a href="/moderation">${t('queue_reset')}</a></div>
</form>
${bulkForm(page, f.status)}
<div id="queue-list">
${data.items.length === 0 ? html`<p id="queue-empty">${t('queue_empty')}</p>` : null}
<ol class="queue" id="queue">
${data.groups.map((g) =>
  g.items.length === 1
    ? queueEntry(page, g.items[0]!, false, f)
    : html`<li class="cluster" data-cluster="${g.items.length}">
  <label class="inline cluster-head"><input type="checkbox" name="ids" value="${g.items.map((i) => i.id).join(',')}" form="bulk-form" class="select-cluster">
    <strong>${t('cluster_of', { n: g.items.length })}</strong> · ${g.reasons.map((r) => t(`cluster_${r}`)).join(', ')}</label>
  <ol class="queue">${g.items.map((item) => queueEntry(page, item, true, f))}</ol>
</li>`,
)}
</ol>
<nav class="pager" id="pager">
  ${data.isFirst ? null : html`<a href="/moderation?${query}">${t('first_page')}</a>`}
  ${data.next ? html`<a rel="next" href="/moderation?${queueFilterParams(f, { after: data.next })}">${t('next_page')}</a>` : null}
</nav>
</div>
${keyboardHelp(page)}`;
  return layout(page, t('queue_title'), body, { scripts: ['moderation.js', 'live-queue.js'] });
}
