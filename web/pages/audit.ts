import type { AuditRecord, ChainReport } from '../../domain/audit/model';
import { html } from '../html';
import { formatInstant, layout, type PageContext } from '../layout';
import { adminNav } from './admin';

const compact = (value: unknown) => (value === null || value === undefined ? '' : JSON.stringify(value));

export function auditLogPage(
  page: PageContext,
  data: { rows: AuditRecord[]; next: number | null; chain: ChainReport | null; filter: { entityType?: string; entityId?: string } },
) {
  const { t } = page;
  const filterQuery = new URLSearchParams({
    ...(data.filter.entityType ? { entity_type: data.filter.entityType } : {}),
    ...(data.filter.entityId ? { entity_id: data.filter.entityId } : {}),
  }).toString();
  const chain = data.chain
    ? data.chain.ok
      ? html`<p class="notice" role="status" id="audit-chain">${t('audit_chain_ok', { n: data.chain.rows, hash: data.chain.headHash })}</p>`
      : html`<p class="error" role="alert" id="audit-chain">${t('audit_chain_broken', { seq: data.chain.seq, problem: data.chain.problem })}</p>`
    : html`<p><a href="/admin/audit?verify=1">${t('audit_verify')}</a></p>`;
  const body = html`
${adminNav(page)}
<h1>${t('audit_title')}</h1>
<p class="hint">${t('audit_intro')}</p>
${chain}
${filterQuery ? html`<p>${t('audit_filtered', { entity: `${data.filter.entityType ?? ''} ${data.filter.entityId ?? ''}` })} · <a href="/admin/audit">${t('audit_all')}</a></p>` : null}
<div class="table-scroll">
<table class="files audit">
  <thead><tr><th>#</th><th>${t('audit_time')}</th><th>${t('audit_actor')}</th><th>${t('audit_action')}</th><th>${t('audit_entity')}</th><th>${t('audit_before')}</th><th>${t('audit_after')}</th><th>${t('audit_hash')}</th></tr></thead>
  <tbody>
  ${data.rows.map((r) => html`<tr>
    <td>${r.seq}</td><td>${formatInstant(r.at)}</td><td>${r.actor_label}</td><td><code>${r.action}</code></td>
    <td><a href="/admin/audit?entity_type=${r.entity_type}&amp;entity_id=${encodeURIComponent(r.entity_id)}">${r.entity_type} ${r.entity_id}</a></td>
    <td><code class="json">${compact(r.before)}</code></td><td><code class="json">${compact(r.after)}</code></td>
    <td><code class="hash" title="${r.hash.toString('hex')}">${r.hash.toString('hex').slice(0, 12)}</code></td>
  </tr>`)}
  </tbody>
</table>
</div>
<nav class="pager">${data.next ? html`<a rel="next" href="/admin/audit?${filterQuery ? `${filterQuery}&` : ''}before=${data.next}">${t('next_page')}</a>` : null}</nav>`;
  return layout(page, t('audit_title'), body);
}
