/**
 * How a journalist's query becomes repository filters (buildFilters), with the region look-up faked:
 * the regions known are a fixed list, and a term names a region when the list says so at the
 * minimum score the service asked for.
 */
import { buildFilters, effectiveSort, type SearchQuery } from '../../../domain/archive/search.service';
import type { SearchFilters } from '../../../domain/archive/model';
import { fakeContext } from '../../fakes/context';
import { fakeDatabase } from '../../fakes/database';

/** term (lower case) → the regions it names and how similar it is to them. */
const REGIONS: Record<string, { regions: string[]; score: number }> = {
  москва: { regions: ['Москва'], score: 1 },
  масква: { regions: ['Москва'], score: 0.45 },
  камера: { regions: ['Камчатский край'], score: 0.3 },
  татарстан: { regions: ['Республика Татарстан'], score: 0.9 },
};

function searchContext() {
  const db = fakeDatabase({ asked: [] as { term: string; minScore: number }[][] }, (t) => ({
    archive: {
      matchRegions: async (terms) => {
        t.asked.push(terms.map((x) => ({ ...x })));
        return terms.map(({ term, minScore }) => {
          const known = REGIONS[term.toLowerCase()];
          return known && known.score >= minScore ? known.regions : [];
        });
      },
    },
  }));
  return { ctx: fakeContext(db), asked: db.tables.asked };
}

const NOTHING: SearchFilters = {
  text: null, regionWords: [], stationNumbers: [], electionId: null, regions: null, categories: [],
  capturedFrom: null, capturedTo: null, publishedFrom: null, publishedTo: null, verifiedSince: null,
  hasPhoto: false, hasVideo: false,
};

const filtersOf = async (query: SearchQuery) => buildFilters(searchContext().ctx, query);

describe('buildFilters', () => {
  test('an empty query filters nothing, and is sorted by publication rather than relevance', async () => {
    const filters = await filtersOf({});
    expect(filters).toEqual(NOTHING);
    expect(effectiveSort({}, filters)).toBe('published');
  });

  test('numbers are polling stations (with or without № or #), once each, with the station filter', async () => {
    const filters = await filtersOf({ q: 'вброс №1234 #17 1234', station: '17' });
    expect(filters.stationNumbers).toEqual(['1234', '17']);
    expect(filters.text).toBe('вброс');
    expect(effectiveSort({ q: 'вброс №1234' }, filters)).toBe('relevance');
  });

  test('a plain word naming a region matches that region or the text; other words stay text, in the order typed', async () => {
    const { ctx, asked } = searchContext();
    const filters = await buildFilters(ctx, { q: 'карусель Москва or камера -урна' });
    expect(filters.regionWords).toEqual([{ word: 'Москва', regions: ['Москва'] }]);
    expect(filters.text).toBe('карусель or камера -урна');
    // One look-up for all candidate words; "or" is too short and "-урна" an exclusion, so neither is asked.
    expect(asked).toEqual([[{ term: 'карусель', minScore: 0.5 }, { term: 'Москва', minScore: 0.5 }, { term: 'камера', minScore: 0.5 }]]);
  });

  test('a word only loosely like a region is text; the region filter accepts a typo', async () => {
    expect((await filtersOf({ q: 'масква' })).regionWords).toEqual([]);
    const filters = await filtersOf({ region: 'Масква' });
    expect(filters.regions).toEqual(['Москва']);
    expect(filters.text).toBeNull();
  });

  test('a region filter that names nothing is an empty list (an honest empty result), not "any region"', async () => {
    expect((await filtersOf({ region: 'Атлантида' })).regions).toEqual([]);
  });

  test('quoted text is a phrase: no word of it is taken as a region', async () => {
    const filters = await filtersOf({ q: '"Татарстан карусель" 55' });
    expect(filters.regionWords).toEqual([]);
    expect(filters.text).toBe('"Татарстан карусель"');
    expect(filters.stationNumbers).toEqual(['55']);
  });

  test('the other filters pass through as they are', async () => {
    const from = new Date('2026-03-14T00:00:00Z');
    const to = new Date('2026-03-16T00:00:00Z');
    const filters = await filtersOf({
      election: 7, category: ['ballot_stuffing', 'carousel'], captured_from: from, captured_to: to,
      published_from: from, published_to: to, verified_since: from, has_photo: true, has_video: false, sort: 'captured',
    });
    expect(filters).toEqual({
      ...NOTHING, electionId: 7, categories: ['ballot_stuffing', 'carousel'], capturedFrom: from, capturedTo: to,
      publishedFrom: from, publishedTo: to, verifiedSince: from, hasPhoto: true,
    });
    expect(effectiveSort({ sort: 'captured' }, filters)).toBe('captured');
  });
});
