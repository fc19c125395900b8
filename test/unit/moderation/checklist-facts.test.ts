import { establishedChecks } from '../../../domain/moderation/checklist-facts';

/** Which checklist items the review page pre-ticks from what the worker measured, and why. */
const limits = { timeMismatchHours: 3, placeMismatchKm: 1 };
const claim = { happened_at: '2024-03-16T12:05', station_lat: 55.75, station_lon: 37.62 };
// ~0.56 km north of the station
const file = (over: Partial<Parameters<typeof establishedChecks>[1][number]> = {}) => ({
  status: 'ready' as const, flags: [] as string[], taken_at_local: '2024-03-16T12:01:00', gps_lat: 55.755, gps_lon: 37.62, make: 'Google', model: 'Pixel 6', ...over,
});

describe('checklist items established by the facts', () => {
  test('a camera photo taken at the stated time next to the station establishes source, time and place, never content', () => {
    expect(establishedChecks(claim, [file(), file({ gps_lat: 55.751 })], limits)).toEqual({
      time: { code: 'capture_within_window', params: { n: 2, hours: 3, at: '2024-03-16 12:05' } },
      place: { code: 'gps_near_station', params: { n: 2, km: 0.56, limit: 1 } },
      source: { code: 'camera_metadata_intact', params: { n: 2 } },
    });
  });

  test('one doubtful file withholds the item for the whole entry', () => {
    const facts = establishedChecks(claim, [file(), file({ flags: ['time_mismatch', 'place_mismatch', 'edited'] })], limits);
    expect(facts).toEqual({});
    expect(Object.keys(establishedChecks(claim, [file(), file({ taken_at_local: null, gps_lat: null, gps_lon: null, make: null, model: null })], limits))).toEqual([]);
    expect(Object.keys(establishedChecks(claim, [file({ flags: ['no_metadata'] })], limits))).toEqual(['time', 'place']);
    expect(Object.keys(establishedChecks(claim, [file({ flags: ['gps_invalid'] })], limits))).toEqual(['time']);
  });

  test('nothing to compare with: no stated time, no station in the register', () => {
    expect(Object.keys(establishedChecks({ happened_at: null, station_lat: null, station_lon: null }, [file()], limits))).toEqual(['source']);
  });

  test('files not yet processed establish nothing', () => {
    expect(establishedChecks(claim, [file(), file({ status: 'processing' })], limits)).toEqual({});
    expect(establishedChecks(claim, [], limits)).toEqual({});
  });
});
