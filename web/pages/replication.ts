import type { ReplicationStatus } from '../../domain/replication/model';
import { html } from '../html';
import { formatInstant, layout, type PageContext } from '../layout';
import { adminNav } from './admin';

/**
 * Per replica, what it still lacks of the originals, their copies (derivatives) and the log, and
 * since when, and above it the alarm of every copy found holding other bytes than its original's: for admins (/admin/replication, in the admin section) and moderators
 * (/moderation/replication, beside the queue).
 */
export function replicationAdminPage(page: PageContext, status: ReplicationStatus, section: 'admin' | 'moderation' = 'admin') {
  const { t } = page;
  const body = html`
${section === 'admin' ? adminNav(page) : html`<p class="entry-nav"><a href="/moderation">${t('queue_title')}</a></p>`}
<h1>${t('replication_title')}</h1>
<p class="hint">${t('replication_intro')}</p>
${status.otherBytes.length === 0
    ? null
    : html`<div class="error" role="alert" id="replica-other-bytes">
<h2>${t('replication_other_bytes_title')}</h2>
<p>${t('replication_other_bytes_intro')}</p>
<ul>${status.otherBytes.map((o) => html`<li data-replica="${o.replica}" data-sha256="${o.sha256}">${t('replication_other_bytes_alarm', { replica: o.replica, file: o.sha256, since: formatInstant(o.foundAt), observed: o.observed })} ${t(o.writeOnce ? 'replication_other_bytes_write_once' : 'replication_other_bytes_replacing')}</li>`)}</ul>
</div>`}
${status.replicas.length === 0
    ? html`<p class="notice" id="replication-none">${t('replication_none')}</p>`
    : html`<p>${t('replication_log_newest', { n: status.logTreeSize })}</p>
<div class="table-scroll">
<table class="files" id="replication">
  <thead><tr><th>${t('replication_replica')}</th><th>${t('replication_missing')}</th><th>${t('replication_derivatives_missing')}</th><th>${t('replication_other_bytes')}</th><th>${t('replication_oldest')}</th><th>${t('replication_last')}</th><th>${t('replication_log')}</th></tr></thead>
  <tbody>
  ${status.replicas.map((r) => html`<tr data-replica="${r.replica}">
    <td><code>${r.replica}</code></td>
    <td>${r.missing === 0 ? t('replication_in_step') : String(r.missing)}</td>
    <td class="derivatives">${r.derivativesMissing === 0 ? t('replication_in_step') : String(r.derivativesMissing)}</td>
    <td class="other-bytes">${String(r.otherBytes)}</td>
    <td>${formatInstant(r.oldestMissingSince)}</td>
    <td>${formatInstant(r.lastConfirmedAt)}</td>
    <td>${r.logTreeSize >= status.logTreeSize ? t('replication_in_step') : `${r.logTreeSize} / ${status.logTreeSize}`}</td>
  </tr>`)}
  </tbody>
</table>
</div>`}`;
  return layout(page, t('replication_title'), body);
}
