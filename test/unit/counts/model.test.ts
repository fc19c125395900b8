import { arithmeticFlags, attendanceDiscrepancy, excessOf, officialShares, protocolDiscrepancies, type ProtocolLine } from '../../../domain/counts/model';
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
    // 420 - 150 = 270 official; 180 counted; 2 % of 180 = 3.6 -> 4
    expect(attendanceDiscrepancy(LINES, official, c('10:00', '12:00', 180), oneDay)).toEqual({ kind: 'attendance', subject: '10:00-12:00', official: 270, observed: 180, uncertainty: 4 });
    expect(attendanceDiscrepancy(LINES, official, c('08:00', '10:00', 100, 'tally'), oneDay)).toEqual({ kind: 'attendance', subject: '08:00-10:00', official: 150, observed: 100, uncertainty: 5 });
    expect(attendanceDiscrepancy(LINES, official, c('15:00', '20:00', 300), oneDay)).toEqual({ kind: 'attendance', subject: '15:00-20:00', official: 500, observed: 300, uncertainty: 6 });
    expect(attendanceDiscrepancy(LINES, official, c('11:00', '12:00', 50), oneDay)).toBeNull(); // no official figure at 11:00
    expect(attendanceDiscrepancy(LINES, official, { ...c('10:00', '12:00', 50), from: '2024-03-16T10:00', to: '2024-03-16T12:00' }, oneDay)).toBeNull(); // not the voting day
    // Three voting days: the morning of the last is not zero voters, nor is the close this day's ballots
    // alone; only hours both published compare.
    const threeDays = { first: '2024-03-15', last: '2024-03-17' };
    expect(attendanceDiscrepancy(LINES, official, c('10:00', '12:00', 180), threeDays)).toEqual({ kind: 'attendance', subject: '10:00-12:00', official: 270, observed: 180, uncertainty: 4 });
    expect(attendanceDiscrepancy(LINES, official, c('08:00', '10:00', 100, 'tally'), threeDays)).toBeNull();
    expect(attendanceDiscrepancy(LINES, official, c('15:00', '20:00', 300), threeDays)).toBeNull();
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
