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

  test('files are counted with the same rule: the upload form, its script and the processing backlog', () => {
    const ru = translator('ru');
    const en = translator('en');
    expect([1, 3, 5, 21].map((n) => ru('kept_upload_resuming', { n }).match(/\(([^)]+)\)/)![1])).toEqual(['1 файл', '3 файла', '5 файлов', '21 файл']);
    expect([1, 3].map((n) => en('kept_upload_resuming', { n }).match(/\(([^)]+)\)/)![1])).toEqual(['1 file', '3 files']);
    expect([20, 21].map((n) => ru('field_files_hint', { n, photo: 50, video: 1024 }).split(':')[0])).toEqual(['До 20 файлов', 'До 21 файла']);
    expect([1, 20].map((n) => en('check_too_many_files', { n }))).toEqual(['At most 1 file in one submission.', 'At most 20 files in one submission.']);
    expect([1, 2, 7].map((n) => ru('processing_behind', { n, since: '—', retry: 0 }).split(',')[0])).toEqual(['Ждут обработки: 1 файл', 'Ждут обработки: 2 файла', 'Ждут обработки: 7 файлов']);
    expect(en('processing_behind', { n: 1, since: '—', retry: 0 })).toMatch(/^Waiting to be processed: 1 file, /);
    // the upload script receives the forms and picks one with Intl.PluralRules, as map.js does
    expect(Object.keys(JSON.parse(pluralForms('kept_upload_resuming', 'ru'))).sort()).toEqual(['few', 'many', 'one', 'other']);
  });

  test('page scripts get every form, and a plain message as "other"', () => {
    expect(Object.keys(JSON.parse(pluralForms('map_cluster', 'ru'))).sort()).toEqual(['few', 'many', 'one', 'other']);
    expect(JSON.parse(pluralForms('map_entry', 'en'))).toEqual({ other: 'Open the entry' });
  });
});
