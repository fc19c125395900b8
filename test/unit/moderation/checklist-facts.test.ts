import { establishedChecks } from '../../../domain/moderation/checklist-facts';

/** Which checklist items the review page pre-ticks from what the worker measured, and why. */
const limits = { timeMismatchHours: 3, placeMismatchKm: 1, regionMismatchKm: 25 };
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

  test('no station in the register: GPS within the claimed region’s boundary establishes the place as far as a region can', () => {
    // a square around Moscow, roughly (lon, lat as GeoJSON has them)
    const moscow = { name_ru: 'Москва', boundary: { type: 'Polygon' as const, coordinates: [[[37.3, 55.5], [37.9, 55.5], [37.9, 55.95], [37.3, 55.95], [37.3, 55.5]]] } };
    const noStation = { happened_at: null, station_lat: null, station_lon: null };
    expect(establishedChecks(noStation, [file(), file({ gps_lat: 55.6 })], limits, moscow).place).toEqual({
      code: 'gps_in_claimed_region', params: { n: 2, region: 'Москва', margin: 25 },
    });
    // GPS in Czechia, a file without GPS, a flagged file, a region without a boundary: nothing
    expect(establishedChecks(noStation, [file(), file({ gps_lat: 50.08, gps_lon: 14.43 })], limits, moscow).place).toBeUndefined();
    expect(establishedChecks(noStation, [file(), file({ gps_lat: null, gps_lon: null })], limits, moscow).place).toBeUndefined();
    expect(establishedChecks(noStation, [file({ flags: ['region_mismatch'] })], limits, moscow).place).toBeUndefined();
    expect(establishedChecks(noStation, [file()], limits, { name_ru: 'Москва', boundary: null }).place).toBeUndefined();
    // with a station in the register the station decides, never the region
    expect(establishedChecks(claim, [file({ gps_lat: 55.6, flags: ['place_mismatch'] })], limits, moscow).place).toBeUndefined();
  });

  test('files not yet processed establish nothing', () => {
    expect(establishedChecks(claim, [file(), file({ status: 'processing' })], limits)).toEqual({});
    expect(establishedChecks(claim, [], limits)).toEqual({});
  });
});
