import { html } from '../html';
import type { FileLookup, FileLookupEntry } from '../../domain/archive/model';
import type { T } from '../i18n';
import { formatInstant, layout, type PageContext } from '../layout';

/** What the looked-up bytes are to a found entry: nothing more for an original; for a copy, which one and of what. */
function copyNote(t: T, copyOf: FileLookupEntry['copyOf']) {
  return copyOf ? html` · ${t('check_copy_of', { kind: t(`copy_kind_${copyOf.kind}`) })} <code class="hash">${copyOf.originalSha256}</code>` : null;
}

/**
 * "Is this file in the archive?": the browser computes the file's SHA-256 (Web Crypto; the file
 * never leaves the device) and asks /api/v1/files/{sha256}. When it is not there, the script offers
 * a similar-image search that sends a copy of at most 256 px, and only on a click. Without
 * JavaScript a pasted hash (e.g. from sha256sum) is looked up by the same form.
 */
export function hashCheckPage(page: PageContext, result: FileLookup | null = null) {
  const { t } = page;
  const answer = result
    ? result.status === 'published'
      ? html`<p class="notice">${t('check_found')}</p><ul>${result.entries.map((e) => html`<li><a href="/archive/${e.id}">/archive/${e.id}</a> · ${t('published_at')}: ${formatInstant(e.published_at)}${copyNote(t, e.copyOf)}</li>`)}</ul>`
      : html`<p class="notice">${t('check_unknown')}</p>`
    : null;
  const body = html`
<h1>${t('check_title')}</h1>
<p class="intro">${t('check_intro')}</p>
<p class="hint">${t('check_own_upload')}</p>
<div id="hash-check" data-label-computing="${t('check_computing')}" data-label-found="${t('check_found')}" data-label-unknown="${t('check_unknown')}" data-label-failed="${t('check_failed')}" data-label-published="${t('published_at')}" data-label-copy-of="${t('check_copy_of')}"
  data-label-kind-thumb="${t('copy_kind_thumb')}" data-label-kind-preview="${t('copy_kind_preview')}" data-label-kind-poster="${t('copy_kind_poster')}" data-label-kind-video="${t('copy_kind_video')}"
  data-label-similar-offer="${t('check_similar_offer')}" data-label-similar-button="${t('check_similar_button')}" data-label-similar-searching="${t('check_similar_searching')}" data-label-similar-found="${t('check_similar_found')}"
  data-label-similar-none="${t('check_similar_none')}" data-label-similar-distance="${t('check_similar_distance')}" data-label-similar-undecodable="${t('check_similar_undecodable')}" data-label-similar-failed="${t('check_similar_failed')}">
  <label for="check-file">${t('check_file')}</label>
  <input id="check-file" type="file" aria-describedby="check-file-hint">
  <p class="hint" id="check-file-hint">${t('check_file_hint')}</p>
</div>
<form method="get" action="/check" class="narrow-form">
  <label for="check-sha">${t('check_paste')}</label>
  <input id="check-sha" name="sha256" value="${result?.sha256 ?? ''}" pattern="[0-9a-fA-F]{64}" maxlength="64" spellcheck="false" autocomplete="off">
  <button type="submit">${t('check_submit')}</button>
</form>
<div id="check-result" aria-live="polite">
${result ? html`<p>SHA-256: <code class="hash">${result.sha256}</code></p>` : null}
${answer}
</div>`;
  return layout(page, t('check_title'), body, { scripts: ['hash-check.js'] });
}
