import { arithmeticFlags, attendanceDiscrepancy, excessOf, officialShares, protocolDiscrepancies, turnoutColumnInstant, type ProtocolLine } from '../../../domain/counts/model';
import { countsAgree, parseLines } from '../../../domain/counts/counts.service';

const LINES: ProtocolLine[] = parseLines(`
1; voters; voters_on_list; Число избирателей; Voters on the list
3; issued_early; issued_early; Выдано досрочно; Issued early
4; issued_station; issued_station; Выдано в помещении; Issued at the station
5; issued_outside; issued_outside; Выдано вне помещения; Issued outside
10; found; ballots_found; Найдено в ящиках; Found in the boxes
11; invalid; invalid; Недействительных; Invalid
12; valid; valid; Действительных; Valid
20; cand_a; candidate; Кандидат А; Candidate A
21; cand_b; candidate; Кандидат Б; Candidate B`);

describe('protocol arithmetic', () => {
  test('a protocol that adds up has no flags', () => {
    expect(arithmeticFlags(LINES, { voters: 2000, issued_early: 0, issued_station: 1000, issued_outside: 20, found: 1020, invalid: 20, valid: 1000, cand_a: 604, cand_b: 396 })).toEqual([]);
  });
  test('found ≠ valid + invalid, candidates ≠ valid and more issued than listed are each flagged', () => {
    expect(arithmeticFlags(LINES, { voters: 900, issued_early: 0, issued_station: 1000, issued_outside: 20, found: 1020, invalid: 10, valid: 1000, cand_a: 604, cand_b: 397 })).toEqual([
      'found_is_valid_plus_invalid',
      'candidates_sum_to_valid',
      'issued_within_list',
    ]);
  });
  test('a check whose lines are missing is not run', () => {
    expect(arithmeticFlags(LINES, { found: 5 })).toEqual([]);
  });
});

describe('discrepancies (hand-checked)', () => {
  const official = { region: 'Москва', figures: { voters: 2000, issued_station: 1300, found: 1300, valid: 1290, cand_a: 1211, cand_b: 79 }, turnout: { '10:00': 150, '12:00': 420, '15:00': 800 } };
  test('every line both give: official minus the copy', () => {
    const d = protocolDiscrepancies(LINES, official, { cand_a: 604, cand_b: 686, valid: 1290 });
    expect(d).toEqual([
      { kind: 'protocol_line', subject: 'valid', official: 1290, observed: 1290, uncertainty: 0 },
      { kind: 'protocol_line', subject: 'cand_a', official: 1211, observed: 604, uncertainty: 0 },
      { kind: 'protocol_line', subject: 'cand_b', official: 79, observed: 686, uncertainty: 0 },
    ]);
    expect(d.map(excessOf)).toEqual([0, 607, 607]);
  });
  test('attendance over reported hours, from the opening, to the close (ballots issued), with the method uncertainty', () => {
    const c = (from: string, to: string, people: number, method: 'clicker' | 'tally' = 'clicker') => ({ from: `2024-03-17T${from}`, to: `2024-03-17T${to}`, people, what: 'entered' as const, method });
    const oneDay = { first: '2024-03-17', last: '2024-03-17' };
    const stored = { ...official, turnout: { '2024-03-17T10:00': 150, '2024-03-17T12:00': 420, '2024-03-17T15:00': 800 } };
    // 420 - 150 = 270 official; 180 counted; 2 % of 180 = 3.6 -> 4
    expect(attendanceDiscrepancy(LINES, stored, c('10:00', '12:00', 180), oneDay)).toEqual({ kind: 'attendance', subject: '2024-03-17T10:00/2024-03-17T12:00', official: 270, observed: 180, uncertainty: 4 });
    expect(attendanceDiscrepancy(LINES, stored, c('08:00', '10:00', 100, 'tally'), oneDay)).toEqual({ kind: 'attendance', subject: '2024-03-17T08:00/2024-03-17T10:00', official: 150, observed: 100, uncertainty: 5 });
    expect(attendanceDiscrepancy(LINES, stored, c('15:00', '20:00', 300), oneDay)).toEqual({ kind: 'attendance', subject: '2024-03-17T15:00/2024-03-17T20:00', official: 500, observed: 300, uncertainty: 6 });
    expect(attendanceDiscrepancy(LINES, stored, c('11:00', '12:00', 50), oneDay)).toBeNull(); // no official figure at 11:00
    expect(attendanceDiscrepancy(LINES, stored, { ...c('10:00', '12:00', 50), from: '2024-03-16T10:00', to: '2024-03-16T12:00' }, oneDay)).toBeNull(); // not the voting day
    expect(attendanceDiscrepancy(LINES, stored, { ...c('10:00', '12:00', 50), what: 'queue' }, oneDay)).toBeNull(); // a queue is not turnout
  });
  test('three voting days: cumulative turnout compares any two instants, each day and across a night (hand-checked)', () => {
    const days = { first: '2024-03-15', last: '2024-03-17' };
    // cumulative since 15 March 08:00: 15th 100 by 12:00, 300 at the close; 16th 420 by 12:00, 600 at the close; 17th 700 by 10:00
    const o = { region: 'Москва', figures: { issued_station: 1300 }, turnout: { '2024-03-15T12:00': 100, '2024-03-15T20:00': 300, '2024-03-16T12:00': 420, '2024-03-16T20:00': 600, '2024-03-17T10:00': 700 } };
    const c = (from: string, to: string, people: number) => ({ from, to, people, what: 'entered' as const, method: 'clicker' as const });
    // the first opening is zero: 100 - 0
    expect(attendanceDiscrepancy(LINES, o, c('2024-03-15T08:00', '2024-03-15T12:00', 90), days)).toMatchObject({ subject: '2024-03-15T08:00/2024-03-15T12:00', official: 100, observed: 90, uncertainty: 2 });
    // the second morning opens at the first evening's close: 420 - 300
    expect(attendanceDiscrepancy(LINES, o, c('2024-03-16T08:00', '2024-03-16T12:00', 50), days)).toMatchObject({ subject: '2024-03-16T08:00/2024-03-16T12:00', official: 120, observed: 50, uncertainty: 1 });
    // across the night: 700 - 600 (nobody votes overnight)
    expect(attendanceDiscrepancy(LINES, o, c('2024-03-16T20:00', '2024-03-17T10:00', 100), days)).toMatchObject({ official: 100, observed: 100 });
    // the last close is every ballot issued at the station over the three days: 1300 - 700
    expect(attendanceDiscrepancy(LINES, o, c('2024-03-17T10:00', '2024-03-17T20:00', 500), days)).toMatchObject({ subject: '2024-03-17T10:00/2024-03-17T20:00', official: 600, observed: 500, uncertainty: 10 });
    // the third morning opens at the second close: 700 - 600
    expect(attendanceDiscrepancy(LINES, o, c('2024-03-17T08:00', '2024-03-17T10:00', 100), days)).toMatchObject({ official: 100 });
    // no figure at the first evening's 15:00, nor before the first day
    expect(attendanceDiscrepancy(LINES, o, c('2024-03-15T12:00', '2024-03-15T15:00', 10), days)).toBeNull();
    expect(attendanceDiscrepancy(LINES, o, c('2024-03-14T08:00', '2024-03-14T12:00', 10), days)).toBeNull();
    // the first evening not published: the second morning has no figure
    const { ['2024-03-15T20:00']: _, ...noClose } = o.turnout;
    expect(attendanceDiscrepancy(LINES, { ...o, turnout: noClose }, c('2024-03-16T08:00', '2024-03-16T12:00', 50), days)).toBeNull();
  });
  test('turnout columns: dated on a voting day, undated for the last, refused outside the days, not a date is not a turnout column', () => {
    const days = { first: '2024-03-15', last: '2024-03-17' };
    expect(turnoutColumnInstant('turnout_2024-03-16_10:00', days)).toBe('2024-03-16T10:00');
    expect(turnoutColumnInstant('turnout_12:00', days)).toBe('2024-03-17T12:00');
    expect(turnoutColumnInstant('turnout_2024-03-18_10:00', days)).toBe('outside');
    expect(turnoutColumnInstant('turnout_2024-03-14_20:00', days)).toBe('outside');
    expect(turnoutColumnInstant('turnout_2024-02-30_10:00', { first: '2024-02-28', last: '2024-03-01' })).toBeNull();
    expect(turnoutColumnInstant('turnout_2024-03-16_24:00', days)).toBeNull();
    expect(turnoutColumnInstant('turnout_2024-03-16T10:00', days)).toBeNull();
    expect(turnoutColumnInstant('valid', days)).toBeNull();
  });
  test('official shares for the charts', () => {
    expect(officialShares(LINES, official.figures)).toEqual({ turnoutPct: 65, leaderPct: (100 * 1211) / 1290 });
  });
  test('two counts agree within the larger method uncertainty', () => {
    expect(countsAgree({ people: 100, method: 'tally' }, { people: 105, method: 'clicker' })).toBe(true);
    expect(countsAgree({ people: 100, method: 'tally' }, { people: 106, method: 'clicker' })).toBe(false);
  });
  test('bad protocol lines are named by row', () => {
    const refused = (() => {
      try {
        parseLines('1; a; nonsense; А; A\n2; b; valid; Б; B\n2; c; valid; В; C');
      } catch (e) {
        return e as { code: string; params: unknown };
      }
      return null;
    })();
    expect(refused).toMatchObject({ code: 'bad_protocol_lines', params: { rows: ['1', '3'] } });
  });
});
