/**
 * "Needs more information" as both sides read it: the moderators' questions and the observer's
 * answers, with the files an answer added. The receipt page shows it to the key's holder (never who
 * asked) with the form to answer the open question; the review page shows it to moderators.
 */
import type { ObserverQuestion } from '../../domain/submissions/model';
import type { ReceiptQuestion } from '../../domain/submissions/receipt-page.service';
import { html, type Html } from '../html';
import { formatInstant, type PageContext } from '../layout';

const when = (d: Date) => html`<time datetime="${d.toISOString()}">${formatInstant(d)}</time>`;

function answerBlock(page: PageContext, q: ReceiptQuestion, isLast: boolean, fileLink: (f: { id: string; name: string }) => Html | string): Html {
  const { t } = page;
  const a = q.answer;
  if (!a) return html`<p class="muted answer-none">${isLast ? t('question_no_answer') : t('question_closed_unanswered')}</p>`;
  return html`<div class="answer" data-answer="${a.id}">
  <p class="muted">${t('question_answer')} · ${when(a.answeredAt)}</p>
  ${a.body ? html`<p class="description answer-body">${a.body}</p>` : null}
  ${a.files.length ? html`<p>${t('question_answer_files')}:</p><ul class="answer-files">${a.files.map((f) => html`<li>${fileLink(f)} <code class="hash">${f.sha256}</code></li>`)}</ul>` : null}
</div>`;
}

/** The review page's panel: every question with who asked it, and the observer's answer and files. */
export function moderatorConversation(page: PageContext, questions: ObserverQuestion[]): Html | null {
  const { t } = page;
  if (questions.length === 0) return null;
  return html`<section aria-labelledby="conversation-h" id="conversation">
<h2 id="conversation-h">${t('conversation_observer_title')}</h2>
<ol class="conversation">
${questions.map(
  (q, i) => html`<li class="question" data-question="${q.id}">
  <p class="muted">${t('question_asked')} · ${q.askedBy} · ${when(q.askedAt)}</p>
  <p class="description question-text">${q.text}</p>
  ${answerBlock(page, q, i === questions.length - 1, (f) => html`<a href="#file-${f.id}">${f.name}</a>`)}
</li>`,
)}
</ol>
</section>`;
}

/**
 * The receipt page's part: the questions and answers, and for the open question a form that works
 * without JavaScript (multipart, like the upload form); web/static/receipt.js sends its files as
 * resumable uploads instead and then names them (data-api).
 */
export function receiptConversation(page: PageContext, key: string, questions: ReceiptQuestion[], openQuestionId: string | null, limits: { maxFiles: number }): Html | null {
  const { t } = page;
  if (questions.length === 0) return null;
  return html`<section aria-labelledby="conversation-h" id="conversation">
<h2 id="conversation-h">${t('conversation_title')}</h2>
<ol class="conversation">
${questions.map(
  (q, i) => html`<li class="question" data-question="${q.id}">
  <p class="muted">${t('question_asked')} · ${when(q.askedAt)}</p>
  <p class="description question-text">${q.text}</p>
  ${q.id === openQuestionId ? answerForm(page, key, q.id, limits) : answerBlock(page, q, i === questions.length - 1, (f) => f.name)}
</li>`,
)}
</ol>
</section>`;
}

function answerForm(page: PageContext, key: string, questionId: string, limits: { maxFiles: number }): Html {
  const { t } = page;
  return html`<form id="answer-form" method="post" action="/receipt/${key}/answer" enctype="multipart/form-data"
      data-api="/api/v1/receipts/${key}/answer" data-uploads="/api/v1/uploads" data-csrf="${page.csrfToken}" data-max-files="${limits.maxFiles}"
      data-sending="${t('answer_sending')}" data-sent="${t('answer_sent')}" data-stalled="${t('upload_stalled')}">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  <input type="hidden" name="question_id" value="${questionId}">
  <label for="answer-body">${t('answer_label')}</label>
  <textarea id="answer-body" name="body" maxlength="10000" rows="4" aria-describedby="answer-hint"></textarea>
  <p class="hint" id="answer-hint">${t('answer_hint')}</p>
  <label for="answer-files">${t('answer_files')}</label>
  <input id="answer-files" name="files" type="file" multiple>
  <progress id="answer-progress" max="100" value="0" hidden></progress>
  <p id="answer-status" role="status"></p>
  <button type="submit" id="answer-send">${t('answer_send')}</button>
</form>`;
}
