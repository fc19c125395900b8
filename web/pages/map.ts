import type { SearchCatalog } from '../../domain/archive/archive.service';
import type { SearchQuery } from '../../domain/archive/search.service';
import { html } from '../html';
import { pluralForms } from '../i18n';
import { layout, type PageContext } from '../layout';
import { filterForm } from './search';

/**
 * The map: clustered points of published entries with a public location, under the same filters
 * as the search. Points are drawn by /static/map.js over a plain background; tiles only when the
 * operator configured MAP_TILE_URL. Without JavaScript the list view is one link away.
 */
export function mapPage(page: PageContext, data: { query: SearchQuery; catalog: SearchCatalog; tileUrl: string | undefined; search: string }) {
  const { t } = page;
  const body = html`
<h1>${t('map_title')}</h1>
${filterForm(page, data.query, data.catalog, '/map', false)}
<p class="tools"><a href="/archive${data.search ? `?${data.search}` : ''}">${t('map_as_list')}</a></p>
<div id="map" class="map" role="application" aria-label="${t('map_title')}" tabindex="0"
  data-search="${data.search}" data-tiles="${data.tileUrl ?? ''}"
  data-plural-cluster="${pluralForms('map_cluster', page.lang)}" data-label-entry="${t('map_entry')}" data-label-empty="${t('map_empty')}"
  data-label-zoom-in="${t('map_zoom_in')}" data-label-zoom-out="${t('map_zoom_out')}"></div>
<p class="hint">${t('map_hint')}</p>
<p id="map-status" class="muted" aria-live="polite"></p>
<noscript><p class="notice">${t('map_noscript')}</p></noscript>`;
  return layout(page, t('map_title'), body, { scripts: ['base-map.js', 'map.js'] });
}
