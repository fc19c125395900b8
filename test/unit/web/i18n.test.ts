import { pluralForms, translator } from '../../../web/i18n';

describe('messages that agree with their count', () => {
  test('Russian takes the form its CLDR plural category asks for', () => {
    const t = translator('ru');
    expect([1, 2, 4, 5, 11, 21, 22, 25, 111].map((n) => t('map_cluster', { n }))).toEqual([
      '1 материал — приблизить',
      '2 материала — приблизить',
      '4 материала — приблизить',
      '5 материалов — приблизить',
      '11 материалов — приблизить',
      '21 материал — приблизить',
      '22 материала — приблизить',
      '25 материалов — приблизить',
      '111 материалов — приблизить',
    ]);
    expect(t('audit_chain_ok', { n: 3, hash: 'ab' })).toBe('Цепочка цела: 3 записи, последний хеш ab.');
  });

  test('English has one and other', () => {
    const t = translator('en');
    expect(t('map_cluster', { n: 1 })).toBe('1 entry — zoom in');
    expect(t('map_cluster', { n: 2 })).toBe('2 entries — zoom in');
  });

  test('page scripts get every form, and a plain message as "other"', () => {
    expect(Object.keys(JSON.parse(pluralForms('map_cluster', 'ru'))).sort()).toEqual(['few', 'many', 'one', 'other']);
    expect(JSON.parse(pluralForms('map_entry', 'en'))).toEqual({ other: 'Open the entry' });
  });
});
