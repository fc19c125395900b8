import { parseConfig } from '../../../domain/config';
import { distanceKm, placeMismatch, timeMismatch } from '../../../domain/processing/claim-mismatch';
import { describeWithFixtures, loadExpected } from '../../helpers/fixtures';

const { timeMismatchHours: WINDOW_H, placeMismatchKm: MAX_KM } = parseConfig({});
const HOUR = 3_600_000;

/** Wall-clock arithmetic on "YYYY-MM-DDTHH:MM:SS" text, independent of the code under test. */
const shift = (wall: string, hours: number) => new Date(Date.parse(`${wall}Z`) + hours * HOUR).toISOString().slice(0, 19);
const dayOf = (wall: string) => wall.slice(0, 10);
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 24 * HOUR).toISOString().slice(0, 10);

describe('timeMismatch', () => {
  const local = '2024-03-16T12:05:30';
  const known = { takenAtLocal: local, offset: '+03:00', takenAtUtc: '2024-03-16T09:05:30Z' };
  const days = { votingStartsOn: dayOf(local), votingEndsOn: addDays(dayOf(local), 2) };
  const stated = (hours: number) => ({ ...days, happenedAt: shift(local, hours).slice(0, 16) });

  test('within the window of the stated wall-clock time: no flag; beyond it, either way: flag', () => {
    expect(timeMismatch(known, stated(0), WINDOW_H)).toBe(false);
    expect(timeMismatch(known, stated(WINDOW_H - 0.5), WINDOW_H)).toBe(false);
    expect(timeMismatch(known, stated(-(WINDOW_H - 0.5)), WINDOW_H)).toBe(false);
    expect(timeMismatch(known, stated(WINDOW_H + 0.5), WINDOW_H)).toBe(true);
    expect(timeMismatch(known, stated(-(WINDOW_H + 0.5)), WINDOW_H)).toBe(true);
  });

  test('the window is the configured one', () => {
    expect(timeMismatch(known, stated(WINDOW_H + 0.5), WINDOW_H + 1)).toBe(false);
  });

  test('a capture date outside the voting days is flagged even without a stated time', () => {
    const noClaim = { happenedAt: null };
    expect(timeMismatch(known, { ...noClaim, ...days }, WINDOW_H)).toBe(false);
    expect(timeMismatch(known, { ...noClaim, votingStartsOn: addDays(dayOf(local), 1), votingEndsOn: addDays(dayOf(local), 3) }, WINDOW_H)).toBe(true);
    expect(timeMismatch(known, { ...noClaim, votingStartsOn: addDays(dayOf(local), -3), votingEndsOn: addDays(dayOf(local), -1) }, WINDOW_H)).toBe(true);
  });

  test('with an unknown offset the date may be a day off, but not two', () => {
    const unknownOffset = { takenAtLocal: local, offset: null, takenAtUtc: null };
    const dayAfter = { happenedAt: null, votingStartsOn: addDays(dayOf(local), 1), votingEndsOn: addDays(dayOf(local), 1) };
    const twoDaysAfter = { happenedAt: null, votingStartsOn: addDays(dayOf(local), 2), votingEndsOn: addDays(dayOf(local), 2) };
    expect(timeMismatch(unknownOffset, dayAfter, WINDOW_H)).toBe(false);
    expect(timeMismatch(unknownOffset, twoDaysAfter, WINDOW_H)).toBe(true);
    expect(timeMismatch(known, dayAfter, WINDOW_H)).toBe(true);
  });

  test('a UTC-only time (e.g. a video header) may be local anywhere from −12 to +14 hours', () => {
    const utcOnly = { takenAtLocal: local, offset: null, takenAtUtc: `${local}Z` };
    expect(timeMismatch(utcOnly, stated(14 + WINDOW_H - 0.5), WINDOW_H)).toBe(false);
    expect(timeMismatch(utcOnly, stated(-12 - WINDOW_H + 0.5), WINDOW_H)).toBe(false);
    expect(timeMismatch(utcOnly, stated(14 + WINDOW_H + 0.5), WINDOW_H)).toBe(true);
    expect(timeMismatch(utcOnly, stated(-12 - WINDOW_H - 0.5), WINDOW_H)).toBe(true);
  });

  test('no capture time: nothing to compare', () => {
    expect(timeMismatch({ takenAtLocal: null, offset: null, takenAtUtc: null }, { ...days, happenedAt: '1999-01-01T00:00' }, WINDOW_H)).toBe(false);
  });

  test('the server time zone plays no part', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      expect(timeMismatch(known, stated(WINDOW_H - 0.5), WINDOW_H)).toBe(false);
      expect(timeMismatch(known, { happenedAt: null, votingStartsOn: dayOf(local), votingEndsOn: dayOf(local) }, WINDOW_H)).toBe(false);
    } finally {
      process.env.TZ = before;
    }
  });
});

describe('placeMismatch', () => {
  const station = { lat: 55.7539, lon: 37.6208 };
  // Along a meridian one degree of latitude is 2πR/360 on the sphere the code uses.
  const kmPerDegree = (2 * Math.PI * 6371.0088) / 360;
  const north = (km: number) => ({ lat: station.lat + km / kmPerDegree, lon: station.lon });

  test('distanceKm along a meridian and across the antimeridian', () => {
    expect(distanceKm(station, north(10))).toBeCloseTo(10, 6);
    expect(distanceKm({ lat: 0, lon: 179.5 }, { lat: 0, lon: -179.5 })).toBeCloseTo(kmPerDegree, 6);
  });

  test('flags GPS beyond the configured distance from the station, not within it', () => {
    expect(placeMismatch(north(MAX_KM * 0.9), station, MAX_KM)).toBe(false);
    expect(placeMismatch(north(MAX_KM * 1.1), station, MAX_KM)).toBe(true);
  });

  test('no GPS or no station coordinates: nothing to compare', () => {
    expect(placeMismatch(null, station, MAX_KM)).toBe(false);
    expect(placeMismatch(north(100), null, MAX_KM)).toBe(false);
  });
});

describeWithFixtures('placeMismatch on the real Live Photo pair', () => {
  test('the still and the video of one Live Photo were taken at the same place', () => {
    const located = loadExpected().filter((e) => e.apple_content_identifier && e.gps && e.gps_valid);
    const pairs = located.flatMap((still) =>
      located.filter((video) => still.kind === 'image' && video.kind === 'video' && video.apple_content_identifier === still.apple_content_identifier).map((video) => [still, video] as const),
    );
    expect(pairs.length).toBeGreaterThan(0);
    for (const [still, video] of pairs) expect(placeMismatch(video.gps, still.gps, MAX_KM)).toBe(false);
  });
});
