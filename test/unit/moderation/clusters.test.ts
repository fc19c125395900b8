import { bulkSchema } from '../../../api/moderation/moderation.schema';
import { parse } from '../../../api/middleware/validate';
import { groupQueue } from '../../../domain/moderation/clusters';
import type { QueueItem } from '../../../domain/submissions/model';

const item = (id: string) => ({ id }) as QueueItem;
const ids = (groups: ReturnType<typeof groupQueue>) => groups.map((g) => [g.items.map((i) => i.id), g.reasons]);

describe('queue clusters', () => {
  test('linked entries form one group in queue order, with every reason; others stay alone', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map(item);
    const groups = groupQueue(items, [
      { a: 'a', b: 'c', reason: 'same_station' },
      { a: 'c', b: 'e', reason: 'exact_duplicate' },
      { a: 'x', b: 'b', reason: 'near_duplicate' }, // an entry not on the page links nothing
    ]);
    expect(ids(groups)).toEqual([
      [['a', 'c', 'e'], ['exact_duplicate', 'same_station']],
      [['b'], []],
      [['d'], []],
    ]);
  });

  test('stored clusters group their entries with no link among those listed; an entry’s own reasons name its group’s', () => {
    const stored = (id: string, cluster: string | null) => ({ id, cluster_id: cluster }) as QueueItem;
    const groups = groupQueue([stored('a', 'k'), stored('b', null), stored('c', 'k'), stored('d', 'm'), stored('e', 'm')], [
      { a: 'c', b: 'c', reason: 'near_duplicate' },
      { a: 'e', b: 'e', reason: 'same_station' },
      { a: 'a', b: 'a', reason: 'exact_duplicate' },
    ]);
    expect(ids(groups)).toEqual([
      [['a', 'c'], ['exact_duplicate', 'near_duplicate']],
      [['b'], []],
      [['d', 'e'], ['same_station']],
    ]);
  });

  test('the bulk form takes a cluster’s ids from one checkbox, and needs what each decision needs', () => {
    const [a, b, c] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000c'];
    expect(parse(bulkSchema, { ids: [`${a},${b}`, c], action: 'reject', reason_code: 'duplicate', reason: 'spam' })).toEqual({
      ids: [a, b, c],
      decision: { action: 'reject', reasonCode: 'duplicate', reason: 'spam' },
    });
    expect(parse(bulkSchema, { ids: a, action: 'needs_info', reason: 'Which station?' }).decision).toEqual({ action: 'needs_info', reason: 'Which station?' });
    const refused = (body: object) => {
      try {
        parse(bulkSchema, body);
        return null;
      } catch (e) {
        return (e as { details: { fields: { field: string }[] } }).details.fields.map((f) => f.field);
      }
    };
    expect(refused({ action: 'reject', reason: 'x' })).toEqual(['ids']);
    expect(refused({ ids: [a], action: 'reject', reason: 'x' })).toEqual(['reason_code']);
    expect(refused({ ids: [a, b], action: 'merge', reason: 'same' })).toEqual(['merge_into']);
  });
});
