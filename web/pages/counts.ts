import type { FiguresForReview, ImportRecord, StationFigures } from '../../domain/counts/counts.service';
import { ARITHMETIC_CHECKS, COUNT_METHODS, COUNT_SUBJECTS, countInterval, LINE_ROLES, officialVotersAt, onVotingDays, POLLS_OPEN, type ArithmeticCheck, type OfficialImportReport, type ProtocolLine, type VotingDays } from '../../domain/counts/model';
import { errorText } from '../error-messages';
import type { Election } from '../../domain/catalog/model';
import { attendanceChart, distributionChart } from '../charts';
import { html, type Html } from '../html';
import type { Lang, T } from '../i18n';
import { errorBox, formatInstant, layout, type PageContext } from '../layout';
import { adminNav } from './admin';
import { entryUrl } from '../links';

const numberFormat = { ru: new Intl.NumberFormat('ru-RU'), en: new Intl.NumberFormat('en-GB') };
/** 1 211 in Russian, 1,211 in English. */
export const formatCount = (n: number, lang: Lang) => numberFormat[lang].format(n);
const signed = (n: number, lang: Lang) => (n > 0 ? `+${formatCount(n, lang)}` : formatCount(n, lang));
const lineLabel = (l: ProtocolLine, lang: Lang) => (lang === 'ru' ? l.label_ru : l.label_en);
const checkText = (code: string, lang: Lang) => (code in ARITHMETIC_CHECKS ? ARITHMETIC_CHECKS[code as ArithmeticCheck][lang] : code);
const methodText = (m: string, t: T) => t(`count_method_${m as keyof typeof COUNT_METHODS}`);
const time = (local: string) => local.slice(11, 16);

// ---- Observers: the fields a count or a protocol copy adds to the upload form

export function countFieldset(page: PageContext, values: Record<string, string | undefined>): Html {
  const { t } = page;
  return html`<fieldset class="figures">
  <legend>${t('count_title')}</legend>
  <label for="count_from">${t('field_count_from')}</label>
  <input id="count_from" name="count_from" type="datetime-local" required value="${values.count_from ?? ''}">
  <label for="count_to">${t('field_count_to')}</label>
  <input id="count_to" name="count_to" type="datetime-local" required value="${values.count_to ?? ''}">
  <label for="count_people">${t('field_count_people')}</label>
  <input id="count_people" name="count_people" type="number" inputmode="numeric" min="0" max="100000" required value="${values.count_people ?? ''}">
  <label for="count_what">${t('field_count_what')}</label>
  <select id="count_what" name="count_what" required>
    ${COUNT_SUBJECTS.map((w) => html`<option value="${w}" ${values.count_what === w ? html`selected` : null}>${t(`count_what_${w}`)}</option>`)}
  </select>
  <label for="count_method">${t('field_count_method')}</label>
  <select id="count_method" name="count_method" required>
    ${Object.keys(COUNT_METHODS).map((m) => html`<option value="${m}" ${values.count_method === m ? html`selected` : null}>${methodText(m, t)}</option>`)}
  </select>
</fieldset>`;
}

export function protocolFieldset(page: PageContext, lines: ProtocolLine[], values: Record<string, string | undefined>): Html {
  const { t, lang } = page;
  return html`<fieldset class="figures">
  <legend>${t('protocol_figures')}</legend>
  ${lines.length === 0 ? html`<p class="hint">${t('protocol_no_lines')}</p>` : null}
  ${lines.map((l) => html`<label for="line_${l.code}">${l.line_no}. ${lineLabel(l, lang)}</label>
  <input id="line_${l.code}" name="line_${l.code}" type="number" inputmode="numeric" min="0" max="10000000" value="${values[`line_${l.code}`] ?? ''}">`)}
</fieldset>`;
}

/** Before the protocol form: which election's lines to show. */
export function protocolElectionChooser(page: PageContext, elections: Election[]): Html {
  const { t, lang } = page;
  return html`<h1>${t('protocol_title')}</h1><p>${t('protocol_choose_election')}</p>
<ul>${elections.map((e) => html`<li><a href="/protocol?election=${e.id}">${lang === 'ru' ? e.name_ru : e.name_en}</a></li>`)}</ul>`;
}

// ---- Moderators: the figures panel of the review page

export function figuresReviewPanel(page: PageContext, submissionId: string, f: FiguresForReview): Html {
  const { t, lang } = page;
  const action = (what: string) => `/moderation/submissions/${submissionId}/${what}`;
  const csrf = html`<input type="hidden" name="_csrf" value="${page.csrfToken}">`;
  const count = f.count
    ? html`<p>${t('figures_count', { people: formatCount(f.count.people, lang), what: t(`count_what_${f.count.what}`), from: f.count.from.replace('T', ' '), to: f.count.to.replace('T', ' '), method: methodText(f.count.method, t) })}</p>
<p id="count-state">${f.count.verified_at ? t('figures_verified_by', { who: f.count.verified_by_email ?? '—', at: formatInstant(f.count.verified_at) }) : t('figures_not_verified')}</p>
<form method="post" action="${action('count-verification')}">${csrf}<input type="hidden" name="verified" value="${f.count.verified_at ? '0' : '1'}">
<button id="verify-count">${f.count.verified_at ? t('figures_unverify') : t('figures_verify_count')}</button></form>
${sameWindowList(page, f)}`
    : null;
  const p = f.protocol;
  const byCode = new Map((p?.figures ?? []).map((x) => [x.line_code, x]));
  const protocol = p
    ? html`<form method="post" action="${action('protocol')}" id="protocol-form">${csrf}
<table class="counts"><thead><tr><th scope="col">${t('figures_line')}</th><th scope="col">${t('figures_value')}</th><th scope="col">${t('figures_entered_by')}</th></tr></thead><tbody>
${f.lines.map((l) => {
  const x = byCode.get(l.code);
  return html`<tr><td><label for="line_${l.code}">${l.line_no}. ${lineLabel(l, lang)}</label></td>
<td><input id="line_${l.code}" name="line_${l.code}" type="number" inputmode="numeric" min="0" value="${x ? String(x.value) : ''}"></td>
<td>${x ? html`${x.entered_by_email ?? t('figures_observer')} · ${formatInstant(x.entered_at)}` : '—'}</td></tr>`;
})}
</tbody></table>
<button id="save-figures">${t('figures_save')}</button></form>
${p.arithmetic_flags.length
  ? html`<div class="error" role="alert" id="arithmetic-flags"><p>${t('figures_arithmetic_flags')}</p><ul>${p.arithmetic_flags.map((c) => html`<li data-check="${c}">${checkText(c, lang)}</li>`)}</ul></div>`
  : p.figures.length ? html`<p id="arithmetic-ok">${t('figures_arithmetic_ok')}</p>` : null}
<p id="protocol-state">${p.checked_at ? t('figures_checked_by', { who: p.checked_by_email ?? '—', at: formatInstant(p.checked_at) }) : t('figures_not_verified')}</p>
<form method="post" action="${action('protocol-check')}">${csrf}<input type="hidden" name="checked" value="${p.checked_at ? '0' : '1'}">
<button id="check-protocol">${p.checked_at ? t('figures_unverify') : t('figures_check')}</button></form>`
    : null;
  return html`<section id="figures" class="figures-panel"><h2>${t('figures_title')}</h2>${count}${protocol}</section>`;
}

/** Other observers' counts of the same hours at the station, each said to agree with this one or not. */
function sameWindowList(page: PageContext, f: FiguresForReview): Html | null {
  const { t, lang } = page;
  if (!f.count || f.sameWindow.length === 0) return null;
  const mine = f.count.people;
  return html`<div id="same-window"><p>${t('figures_same_window')}</p><ul>${f.sameWindow.map(({ count, agrees, tolerance }) => {
    const said = { people: formatCount(count.people, lang), method: methodText(count.method, t), difference: formatCount(Math.abs(count.people - mine), lang), tolerance: formatCount(tolerance, lang) };
    return html`<li class="${agrees ? 'agrees' : 'disagrees'}">${t(agrees ? 'figures_counts_agree' : 'figures_counts_disagree', said)} <a href="/moderation/submissions/${count.submission_id}">${t('figures_other_count')}</a></li>`;
  })}</ul></div>`;
}

// ---- The public: a station's figures

function discrepancySentence(d: StationFigures['discrepancies'][number], f: StationFigures, page: PageContext, methodOf: Map<string, string>): string {
  const { t, lang } = page;
  if (d.kind === 'protocol_line') {
    const line = f.lines.find((l) => l.code === d.subject);
    return t('counts_says_line', { line: line ? lineLabel(line, lang) : d.subject, official: formatCount(d.official, lang), observed: formatCount(d.observed, lang), difference: signed(d.difference, lang) });
  }
  const [from, to] = d.subject.split('/') as [string, string];
  return t('counts_says_attendance', {
    from: wallClock(from, f.votingDays),
    to: from.slice(0, 10) === to.slice(0, 10) ? time(to) : wallClock(to, f.votingDays),
    official: formatCount(d.official, lang),
    observed: formatCount(d.observed, lang),
    uncertainty: formatCount(d.uncertainty, lang),
    method: methodText(methodOf.get(d.submission_id) ?? 'tally', t),
    difference: signed(d.difference, lang),
  });
}

/** An instant YYYY-MM-DDTHH:MM as people read it: the hour alone in a one-day election, else the day and the hour. */
function wallClock(instant: string, days: VotingDays | null): string {
  return days && days.first === days.last && instant.startsWith(days.first) ? time(instant) : instant.replace('T', ' ');
}

/**
 * A row per voting day: official turnout per interval between that day's reported instants (from its
 * opening), against observers' counts of exactly those hours (a count across a night is on its first
 * day's row). Days with neither are left out.
 */
function attendanceDays(f: StationFigures) {
  const days = f.votingDays;
  if (!days) return [];
  const official = f.official && { region: '', figures: f.official.figures, turnout: f.official.turnout };
  const attendance = f.discrepancies.filter((d) => d.kind === 'attendance');
  const counted = f.counts.filter((c) => c.what === 'entered' && onVotingDays(c.from, days) && onVotingDays(c.to, days)).map(countInterval);
  const reported = Object.keys(f.official?.turnout ?? {}).filter((at) => onVotingDays(at, days)).sort();
  const dayList = [...new Set([...reported.map((at) => at.slice(0, 10)), ...counted.map((i) => i.slice(0, 10))])].sort();
  return dayList.map((day) => {
    const instants = [`${day}T${POLLS_OPEN}`, ...reported.filter((at) => at.startsWith(day) && at.slice(11) !== POLLS_OPEN)];
    const intervals = instants.slice(1).map((to, i) => `${instants[i]!}/${to}`);
    const labels = [...new Set([...intervals, ...counted.filter((i) => i.startsWith(day))])].sort();
    return {
      day,
      intervals: labels.map((label) => {
        const d = attendance.filter((x) => x.subject === label);
        const [from, to] = label.split('/') as [string, string];
        const [a, b] = official ? [officialVotersAt(official, f.lines, from, days), officialVotersAt(official, f.lines, to, days)] : [null, null];
        return {
          label,
          short: from.slice(0, 10) === to.slice(0, 10) ? `${time(from)}-${time(to)}` : `${from.slice(8, 10)}.${from.slice(5, 7)} ${time(from)}-${to.slice(8, 10)}.${to.slice(5, 7)} ${time(to)}`,
          official: d[0]?.official ?? (a !== null && b !== null ? b - a : null),
          observed: d.map((x) => ({ people: x.observed, uncertainty: x.uncertainty })),
        };
      }),
    };
  });
}

export function stationFiguresSection(page: PageContext, f: StationFigures): Html | null {
  const { t, lang } = page;
  if (!f.official && f.counts.length === 0 && f.protocols.length === 0) return null;
  const methodOf = new Map(f.counts.map((c) => [c.submission_id, c.method]));
  const days = attendanceDays(f);
  const severalDays = !!f.votingDays && f.votingDays.first !== f.votingDays.last;
  return html`<section id="figures" class="station-figures">
<h2>${t('counts_section')}</h2>
<h3>${t('counts_discrepancies')}</h3>
${f.discrepancies.length === 0
  ? html`<p>${f.counts.length || f.protocols.length ? t('counts_no_discrepancy') : t('counts_none')}</p>`
  : html`<ul class="discrepancies">${f.discrepancies.map(
      (d) => html`<li data-kind="${d.kind}" data-subject="${d.subject}">${discrepancySentence(d, f, page, methodOf)}${d.excess === 0 && d.difference !== 0 ? html` (${t('counts_within_uncertainty')})` : null} <a href="${entryUrl(d.submission_id)}">${t('counts_evidence')}</a></li>`,
    )}</ul>`}
${days.some((d) => d.intervals.some((i) => i.observed.length))
  ? html`<div class="attendance-days">${days.map((d) => attendanceChart({ id: `attendance-${d.day}`, day: d.day, title: severalDays ? `${t('chart_attendance')} · ${d.day}` : t('chart_attendance'), desc: t('chart_attendance_desc'), intervals: d.intervals }))}</div>`
  : null}
<table class="counts" id="protocol-table">
  <caption>${t('counts_official')}${f.official ? html` · ${t('counts_official_imported', { at: formatInstant(f.official.importedAt) })}` : null}</caption>
  <thead><tr><th scope="col">${t('figures_line')}</th><th scope="col">${t('counts_official_col')}</th>${f.protocols.map((p) => html`<th scope="col"><a href="${entryUrl(p.submission_id)}">${t('counts_copy_col')}</a></th>`)}</tr></thead>
  <tbody>${f.lines.map(
    (l) => html`<tr><th scope="row">${l.line_no}. ${lineLabel(l, lang)}</th><td>${f.official?.figures[l.code] !== undefined ? formatCount(f.official.figures[l.code]!, lang) : '—'}</td>${f.protocols.map(
      (p) => html`<td>${p.figures[l.code] !== undefined ? formatCount(p.figures[l.code]!, lang) : '—'}</td>`,
    )}</tr>`,
  )}</tbody>
</table>
${f.official ? null : html`<p>${t('counts_official_none')}</p>`}
${f.protocols.map((p) => html`<p class="protocol-copy">${p.first_thumb_file_id ? html`<a href="/media/${p.first_thumb_file_id}/preview.jpg"><img src="/media/${p.first_thumb_file_id}/thumb.jpg" alt="${t('counts_photo')}" width="160"></a> ` : null}<a href="${entryUrl(p.submission_id)}">${t('counts_protocol_copy')}</a>${p.arithmetic_flags.length ? html` · ${t('figures_arithmetic_flags')} ${p.arithmetic_flags.map((c) => checkText(c, lang)).join('; ')}` : null}</p>`)}
${f.counts.length
  ? html`<h3>${t('counts_observed')}</h3><ul class="observer-counts">${f.counts.map(
      (c) => html`<li>${t('figures_count', { people: formatCount(c.people, lang), what: t(`count_what_${c.what}`), from: c.from.replace('T', ' '), to: c.to.replace('T', ' '), method: methodText(c.method, t) })} <a href="${entryUrl(c.submission_id)}">${t('counts_evidence')}</a></li>`,
    )}</ul>`
  : null}
</section>`;
}

// ---- The public: stations ranked by discrepancy, and an election's distributions

export function rankingPage(
  page: PageContext,
  data: {
    items: { station_number: string; region: string; largest_difference: number; lines_differing: number; evidence: number; url: string }[];
    filters: { election?: number; region?: string; station?: string };
    elections: Election[];
    distribution: { measure: 'turnout' | 'leader'; bin: number; stations: number; with_evidence: number }[] | null;
    exportQuery: string;
    /** Links to the pages before and after this one, when there are such pages. */
    pager: { previous: string | null; next: string | null };
  },
): Html {
  const { t, lang } = page;
  const f = data.filters;
  const q = data.exportQuery ? `?${data.exportQuery}` : '';
  const body = html`<h1>${t('counts_ranking_title')}</h1>
<p class="intro">${t('counts_ranking_intro')}</p>
<form method="get" action="/counts" class="filters">
  <label for="election">${t('field_election')}</label>
  <select id="election" name="election"><option value="">${t('choose')}</option>${data.elections.map((e) => html`<option value="${e.id}" ${f.election === e.id ? html`selected` : null}>${lang === 'ru' ? e.name_ru : e.name_en}</option>`)}</select>
  <label for="region">${t('field_region')}</label><input id="region" name="region" value="${f.region ?? ''}" maxlength="200">
  <label for="station">${t('field_station')}</label><input id="station" name="station" value="${f.station ?? ''}" inputmode="numeric" maxlength="6">
  <button>${t('counts_filter')}</button>
</form>
<p class="tools"><a href="/api/v1/counts/export.csv${q}" download>${t('export_csv')}</a> <a href="/api/v1/counts/export.json${q}" download>${t('export_json')}</a> <a href="/api/v1/counts/ranking${q}">API</a></p>
${data.items.length === 0
  ? html`<p>${t('counts_ranking_empty')}</p>`
  : html`<table class="counts" id="ranking"><thead><tr><th scope="col">${t('station')}</th><th scope="col">${t('region')}</th><th scope="col">${t('counts_score')}</th><th scope="col">${t('counts_differing')}</th><th scope="col">${t('counts_evidence_n')}</th></tr></thead>
<tbody>${data.items.map((r) => html`<tr><td><a href="${r.url}#figures">${r.station_number}</a></td><td>${r.region}</td><td>${formatCount(r.largest_difference, lang)}</td><td>${r.lines_differing}</td><td>${r.evidence}</td></tr>`)}</tbody></table>`}
<nav class="pager" aria-label="${t('pages')}">
  ${data.pager.previous ? html`<a rel="prev" href="${data.pager.previous}">${t('previous_page')}</a>` : null}
  ${data.pager.next ? html`<a rel="next" href="${data.pager.next}">${t('next_page')}</a>` : null}
</nav>
${data.distribution
  ? html`${distributionChart({ title: t('chart_turnout'), desc: t('chart_distribution_desc'), unit: 'turnout', bins: data.distribution.filter((d) => d.measure === 'turnout') })}
${distributionChart({ title: t('chart_leader'), desc: t('chart_distribution_desc'), unit: 'leader', bins: data.distribution.filter((d) => d.measure === 'leader') })}`
  : null}`;
  return layout(page, t('counts_ranking_title'), body);
}

// ---- Admins: the election's protocol lines and its official results

export function countsAdminPage(
  page: PageContext,
  data: { elections: Election[]; electionId: number | null; linesText: string; report?: OfficialImportReport; imports: ImportRecord[]; error?: string },
): Html {
  const { t, lang } = page;
  const electionSelect = html`<label for="election_id">${t('field_election')}</label>
<select id="election_id" name="election_id" required><option value="">${t('choose')}</option>${data.elections.map((e) => html`<option value="${e.id}" ${data.electionId === e.id ? html`selected` : null}>${lang === 'ru' ? e.name_ru : e.name_en}</option>`)}</select>`;
  const body = html`${adminNav(page)}<h1>${t('admin_counts')}</h1>
${errorBox(data.error)}
<form method="get" action="/admin/counts">${electionSelect}<button>${t('counts_filter')}</button></form>
<h2>${t('admin_counts_lines')}</h2>
<form method="post" action="/admin/counts/lines">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  <input type="hidden" name="election_id" value="${data.electionId ?? ''}">
  <label for="lines">${t('admin_counts_lines')}</label>
  <textarea id="lines" name="lines" rows="14" aria-describedby="lines-hint">${data.linesText}</textarea>
  <p class="hint" id="lines-hint">${t('admin_counts_lines_hint', { roles: LINE_ROLES.join(', ') })}</p>
  <button ${data.electionId ? null : html`disabled`}>${t('save')}</button>
</form>
<h2>${t('admin_counts_import')}</h2>
<form method="post" action="/admin/counts/official?_csrf=${encodeURIComponent(page.csrfToken)}" enctype="multipart/form-data">
  <input type="hidden" name="election_id" value="${data.electionId ?? ''}">
  <input type="file" name="file" accept=".csv,text/csv" required aria-describedby="import-hint">
  <p class="hint" id="import-hint">${t('admin_counts_import_hint')}</p>
  <button ${data.electionId ? null : html`disabled`}>${t('import')}</button>
</form>
${data.report
  ? html`<section id="import-report" role="status"><p>${t('admin_counts_report', { imported: data.report.imported, changed: data.report.changed, bad: data.report.errors.length })}</p>
<ul>${data.report.errors.map((e) => html`<li>${e.line}: ${e.code ? errorText({ code: e.code, params: e.params ?? {} }, lang) : e.message}</li>`)}</ul></section>`
  : null}
<h2>${t('admin_counts_imports')}</h2>
<table class="counts"><tbody>${data.imports.map((i) => html`<tr><td>#${i.id}</td><td>${formatInstant(i.imported_at)}</td><td>${t('admin_counts_report', { imported: i.rows_imported, changed: i.rows_changed, bad: i.rows_bad })}</td><td><code>${i.file_sha256.toString('hex').slice(0, 16)}</code></td></tr>`)}</tbody></table>`;
  return layout(page, t('admin_counts'), body);
}
