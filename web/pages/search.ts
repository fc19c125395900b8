import type { SearchCatalog } from '../../domain/archive/archive.service';
import type { ArchiveListEntry } from '../../domain/archive/model';
import type { SearchPage, SearchQuery } from '../../domain/archive/search.service';
import { html, type Html } from '../html';
import { formatInstant, layout, type PageContext } from '../layout';
import { entryUrl, stationUrl } from '../links';

const day = (d: Date | undefined, end: 'from' | 'to') =>
  d ? new Date(end === 'to' && d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? d.getTime() - 86_400_000 : d.getTime()).toISOString().slice(0, 10) : '';

/** The filter form, a plain GET form: every search is a link that can be shared. */
export function filterForm(page: PageContext, query: SearchQuery, catalog: SearchCatalog, action: string, withSort: boolean): Html {
  const { t, lang } = page;
  const selected = new Set(query.category ?? []);
  return html`<form class="search" method="get" action="${action}" role="search">
  <div class="search-main">
    <label for="q">${t('search_words')}</label>
    <input id="q" name="q" type="search" value="${query.q ?? ''}" maxlength="500" aria-describedby="q-hint">
    <p class="hint" id="q-hint">${t('search_words_hint')}</p>
  </div>
  <details class="filters"${hasFilters(query) ? html` open` : null}>
    <summary>${t('search_filters')}</summary>
    <div class="filter-grid">
      <div><label for="f-election">${t('election')}</label>
        <select id="f-election" name="election"><option value="">${t('search_any')}</option>
        ${catalog.elections.map((e) => html`<option value="${e.id}"${query.election === e.id ? html` selected` : null}>${lang === 'ru' ? e.name_ru : e.name_en}</option>`)}
        </select></div>
      <div><label for="f-region">${t('region')}</label><input id="f-region" name="region" value="${query.region ?? ''}" maxlength="200"></div>
      <div><label for="f-station">${t('field_station')}</label><input id="f-station" name="station" value="${query.station ?? ''}" inputmode="numeric" pattern="[0-9]{1,6}"></div>
      <div><label for="f-category">${t('category')}</label>
        <select id="f-category" name="category"><option value="">${t('search_any')}</option>
        ${catalog.categories.map((c) => html`<option value="${c.code}"${selected.has(c.code) ? html` selected` : null}>${lang === 'ru' ? c.label_ru : c.label_en}</option>`)}
        </select></div>
      <div><label for="f-cf">${t('search_captured_from')}</label><input id="f-cf" type="date" name="captured_from" value="${day(query.captured_from, 'from')}"></div>
      <div><label for="f-ct">${t('search_captured_to')}</label><input id="f-ct" type="date" name="captured_to" value="${day(query.captured_to, 'to')}"></div>
      <div><label for="f-pf">${t('search_published_from')}</label><input id="f-pf" type="date" name="published_from" value="${day(query.published_from, 'from')}"></div>
      <div><label for="f-pt">${t('search_published_to')}</label><input id="f-pt" type="date" name="published_to" value="${day(query.published_to, 'to')}"></div>
      <div><label for="f-vs">${t('search_verified_since')}</label><input id="f-vs" type="date" name="verified_since" value="${day(query.verified_since, 'from')}"></div>
      <fieldset><legend>${t('search_media')}</legend>
        <label class="check"><input type="checkbox" name="has_photo" value="1"${query.has_photo ? html` checked` : null}> ${t('search_has_photo')}</label>
        <label class="check"><input type="checkbox" name="has_video" value="1"${query.has_video ? html` checked` : null}> ${t('search_has_video')}</label>
      </fieldset>
      ${withSort
        ? html`<div><label for="f-sort">${t('search_sort')}</label>
        <select id="f-sort" name="sort">
          ${(['relevance', 'published', 'captured'] as const).map((s) => html`<option value="${s}"${query.sort === s ? html` selected` : null}>${t(`sort_${s}`)}</option>`)}
        </select></div>`
        : null}
    </div>
  </details>
  <button type="submit">${t('search_submit')}</button>
</form>`;
}

function hasFilters(q: SearchQuery): boolean {
  return [q.election, q.region, q.station, q.category, q.captured_from, q.captured_to, q.published_from, q.published_to, q.verified_since, q.has_photo, q.has_video].some(
    (v) => v !== undefined,
  );
}

/** Result cards, shared by the search and station pages. */
export function resultList(page: PageContext, items: ArchiveListEntry[]): Html {
  const { t, lang } = page;
  return html`<ol class="cards">
${items.map(
  (e) => html`<li class="card">
  ${e.first_thumb_file_id ? html`<img src="/media/${e.first_thumb_file_id}/thumb.jpg" alt="" width="96" height="72" loading="lazy">` : null}
  <h2 class="card-title"><a href="${entryUrl(e.id)}">${e.title ?? (lang === 'ru' ? e.category_label_ru : e.category_label_en)}</a></h2>
  <p>${e.region} · <a href="${stationUrl(e)}">${t('station')} ${e.station_number}</a> · ${lang === 'ru' ? e.election_name_ru : e.election_name_en}</p>
  <p class="muted">${e.excerpt}</p>
  <p class="muted">${e.captured_at ? html`${t('captured_at')}: ${formatInstant(e.captured_at)} · ` : null}${t('published_at')}: ${formatInstant(e.published_at)}${e.has_video ? html` · <span class="badge">${t('search_has_video')}</span>` : null}</p>
</li>`,
)}
</ol>`;
}

export function searchPage(page: PageContext, data: { query: SearchQuery; page: SearchPage; catalog: SearchCatalog; search: string }) {
  const { t } = page;
  const { query, page: result, search } = data;
  const withSearch = (path: string) => (search ? `${path}?${search}` : path);
  const regionNote =
    query.region !== undefined && result.regions
      ? result.regions.length
        ? html`<p class="muted">${t('search_region_matched', { regions: result.regions.join(', ') })}</p>`
        : html`<p class="muted">${t('search_region_unknown', { region: query.region })}</p>`
      : null;
  const body = html`
<h1>${t('archive_title')}</h1>
${filterForm(page, query, data.catalog, '/archive', true)}
${regionNote}
<p class="tools">
  <a href="${withSearch('/map')}">${t('search_on_map')}</a>
  <a href="${withSearch('/api/v1/export.csv')}" download>${t('export_csv')}</a>
  <a href="${withSearch('/api/v1/export.json')}" download>${t('export_json')}</a>
  <a href="${withSearch('/api/v1/feed.atom')}">${t('export_atom')}</a>
  <a href="${withSearch('/api/v1/search')}">API</a>
</p>
${result.items.length === 0 ? html`<p>${query.q || hasFilters(query) ? t('search_nothing') : t('archive_empty')}</p>` : resultList(page, result.items)}
<nav class="pager" aria-label="${t('pages')}">
  ${query.after ? html`<a href="${withSearch('/archive')}">${t('first_page')}</a>` : null}
  ${result.next ? html`<a rel="next" href="/archive?${search ? `${search}&` : ''}after=${result.next}">${t('next_page')}</a>` : null}
</nav>`;
  return layout(page, t('archive_title'), body, {
    head: html`<link rel="alternate" type="application/atom+xml" title="${t('export_atom')}" href="${withSearch('/api/v1/feed.atom')}">`,
  });
}
