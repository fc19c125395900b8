import type { ReceiptView } from '../../domain/submissions/receipt-page.service';
import { html } from '../html';
import { errorBox, formatBytes, formatInstant, layout, type PageContext } from '../layout';
import { entryUrl } from '../links';
import { qrSvg } from '../qr-code';
import { receiptConversation } from './conversation';

/** Nothing of a receipt goes to search engines. */
const NOINDEX = html`<meta name="robots" content="noindex, nofollow">`;

/**
 * The observer's receipt at its capability URL. Times are shown in UTC and, by web/static/receipt.js,
 * also in the phone's own time; every long value (file names, hashes) wraps on a narrow phone. The
 * files table has explicit ARIA roles: on a phone its rows are drawn as blocks (style.css), which
 * would otherwise drop the table's meaning for screen readers.
 */
export function receiptPage(page: PageContext, view: ReceiptView, receipt: { key: string; maxFiles: number; error?: string }) {
  const { t, lang } = page;
  const received = new Date(view.receivedAt);
  const keep = view.keep;
  const body = html`
<section id="receipt" class="receipt">
<h1>${t('receipt_title')}</h1>
${errorBox(receipt.error)}
<p>${t('receipt_page_intro')}</p>
<p id="receipt-state" class="receipt-state" data-state="${view.state}"><strong>${t('receipt_state_label')}:</strong> ${t(`receipt_state_${view.state}`)}
  ${view.state === 'published' ? html`<a id="receipt-publication" href="${entryUrl(view.submissionId)}">${t('receipt_published_link')}</a>` : null}</p>
<dl class="facts">
  <dt>${t('receipt_id')}</dt><dd><code id="submission-id">${view.submissionId}</code></dd>
  <dt>${t('received_at')}</dt><dd><time id="received-at" datetime="${view.receivedAt}">${formatInstant(received)}</time>
    <span id="received-at-local" class="local-time" data-label="${t('receipt_local_time')}" data-lang="${lang}" hidden></span></dd>
</dl>
${receiptConversation(page, receipt.key, view.questions, view.openQuestionId, { maxFiles: receipt.maxFiles })}

<h2>${t('receipt_files_title')}</h2>
<table class="files receipt-files" role="table">
  <thead role="rowgroup"><tr role="row"><th role="columnheader">${t('file_name')}</th><th role="columnheader">${t('file_size')}</th><th role="columnheader">SHA-256</th></tr></thead>
  <tbody role="rowgroup">
  ${view.files.map((f) => html`<tr role="row"><td role="cell" class="file-name" data-label="${t('file_name')}">${f.name}</td><td role="cell" data-label="${t('file_size')}">${formatBytes(f.bytes, lang)}</td><td role="cell" data-label="SHA-256"><code class="hash">${f.sha256}</code></td></tr>`)}
  </tbody>
</table>

<h2>${t('receipt_next_title')}</h2>
<p>${t('receipt_next')}</p>

<h2>${t('receipt_save_title')}</h2>
${keep
  ? html`<p>${t('receipt_save_intro')}</p>
<p>${t('proof_key_fingerprint')}: ${keep.key ? html`<code id="log-key-fingerprint" class="hash">${keep.key.fingerprint}</code>` : t('proof_key_pending')}</p>
<p><a id="log-receipt-json" href="data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(keep, null, 2))}" download="svidetel-receipt-${view.submissionId}.json">${t('receipt_save_json')}</a>
 · <a id="log-receipt-text" href="data:text/plain;charset=utf-8,${encodeURIComponent(view.keepText ?? '')}" download="svidetel-receipt-${view.submissionId}.txt">${t('proof_download_text')}</a></p>`
  : html`<p>${t('receipt_save_unavailable')}</p>`}
<p><a id="receipt-print" href="/receipt/${receipt.key}/print">${t('receipt_print')}</a></p>

<h2>${t('receipt_phone_title')}</h2>
<p id="receipt-phone-warning">${t('receipt_phone_warning')}</p>
<form method="post" action="/forget">
  <button id="forget" type="submit">${t('receipt_forget')}</button>
</form>
<p class="hint">${t('receipt_forget_hint')}</p>
<p><a href="/">${t('send_more')}</a></p>
</section>`;
  return layout(page, t('receipt_title'), body, { scripts: view.openQuestionId ? ['vendor/tus.min.js', 'receipt.js'] : ['receipt.js'], head: NOINDEX });
}

/** After "forget": nothing of the upload, and no way back to it from this page. */
export function forgottenPage(page: PageContext) {
  const { t } = page;
  return layout(page, t('forgotten_title'), html`<h1>${t('forgotten_title')}</h1><p id="forgotten">${t('forgotten_body')}</p>`, { head: NOINDEX });
}

/**
 * The receipt on paper: a QR code of the receipt's address (which is its key), the time, each file's
 * name and SHA-256, and the log key's fingerprint. Plain enough to print from any phone or computer.
 */
export function printableReceiptPage(page: PageContext, view: ReceiptView, receipt: { key: string; url: string }) {
  const receiptUrl = receipt.url;
  const { t, lang } = page;
  const body = html`
<section id="printable-receipt" class="receipt printable">
<h1>${t('receipt_print_title')}</h1>
<figure class="qr-figure">${qrSvg(receiptUrl, receiptUrl)}<figcaption><code id="receipt-url" class="hash">${receiptUrl}</code></figcaption></figure>
<p>${t('receipt_print_qr')}</p>
<dl class="facts">
  <dt>${t('receipt_id')}</dt><dd><code>${view.submissionId}</code></dd>
  <dt>${t('received_at')}</dt><dd><time datetime="${view.receivedAt}">${formatInstant(new Date(view.receivedAt))}</time></dd>
  ${view.keep?.key ? html`<dt>${t('proof_key_fingerprint')}</dt><dd><code class="hash">${view.keep.key.fingerprint}</code></dd>` : null}
</dl>
<ol class="print-files">
  ${view.files.map((f) => html`<li><span class="file-name">${f.name}</span> · ${formatBytes(f.bytes, lang)}<br><code class="hash">${f.sha256}</code></li>`)}
</ol>
<p class="hint">${t('receipt_phone_warning')}</p>
<p class="no-print"><button type="button" id="print-button" hidden>${t('receipt_print_button')}</button> <a href="/receipt/${receipt.key}">${t('receipt_title')}</a></p>
</section>`;
  return layout(page, t('receipt_print_title'), body, { scripts: ['receipt.js'], head: NOINDEX });
}
