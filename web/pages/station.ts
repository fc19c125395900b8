import type { StationData } from '../../domain/archive/archive.service';
import { html, type Html } from '../html';
import { layout, type PageContext } from '../layout';
import { stationUrl } from '../links';
import { resultList } from './search';

/** Everything published for one polling station, with counts per category. */
/** figures: the station's official figures, counts and protocol copies (web/pages/counts.ts), if any. */
export function stationPage(page: PageContext, data: StationData, figures: Html | null = null) {
  const { t, lang } = page;
  const s = data.station;
  const title = `${t('station')} ${s.number} · ${s.region}`;
  const here = stationUrl({ election_id: s.electionId, region: s.region, station_number: s.number });
  const body = html`
<h1>${title}</h1>
<p>${lang === 'ru' ? data.election.name_ru : data.election.name_en} · ${t('station_total', { n: data.total })}</p>
<table class="counts">
  <caption>${t('station_by_category')}</caption>
  <thead><tr><th scope="col">${t('category')}</th><th scope="col">${t('station_entries')}</th></tr></thead>
  <tbody>
  ${data.counts.map(
    (c) => html`<tr><td><a href="/archive?election=${s.electionId}&region=${encodeURIComponent(s.region)}&station=${s.number}&category=${c.category_code}">${lang === 'ru' ? c.label_ru : c.label_en}</a></td><td>${c.count}</td></tr>`,
  )}
  </tbody>
</table>
${figures}
<p class="tools"><a href="/api/v1${here}">API</a> <a href="/api/v1/export.csv?election=${s.electionId}&region=${encodeURIComponent(s.region)}&station=${s.number}" download>${t('export_csv')}</a></p>
${resultList(page, data.items)}
<nav class="pager" aria-label="${t('pages')}">
  ${data.next ? html`<a rel="next" href="${here}?after=${data.next}">${t('next_page')}</a>` : null}
</nav>`;
  return layout(page, title, body);
}
