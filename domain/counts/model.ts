/**
 * The words of counts as evidence (issue 19): what an observer counts and how, the lines of an
 * election's protocol and what each means to the arithmetic, the checks a real protocol satisfies,
 * and how a difference from the official figures is measured.
 */

/** The categories a count or a protocol copy is filed under (created by migration 012). */
export const COUNT_CATEGORY = 'attendance_count';
export const PROTOCOL_CATEGORY = 'protocol_copy';

/** What an observer counted: people entering the station, or people standing in its queue. */
export const COUNT_SUBJECTS = ['entered', 'queue'] as const;
export type CountSubject = (typeof COUNT_SUBJECTS)[number];

/**
 * How it was counted, and the relative uncertainty each method carries: a clicker misses little, a
 * tally on paper more, counting heads on a photo of a queue most. Two observers' counts of the same
 * hours "agree" when they differ by no more than the larger of their uncertainties.
 */
export const COUNT_METHODS = { clicker: 0.02, tally: 0.05, queue_photo: 0.15 } as const;
export type CountMethod = keyof typeof COUNT_METHODS;

/** What a protocol line means to the checks (an admin gives each line of an election one). */
export const LINE_ROLES = [
  'voters_on_list', 'ballots_received', 'issued_early', 'issued_station', 'issued_outside', 'cancelled',
  'ballots_found', 'invalid', 'valid', 'candidate', 'other',
] as const;
export type LineRole = (typeof LINE_ROLES)[number];

export type ProtocolLine = { code: string; line_no: number; role: LineRole; label_ru: string; label_en: string };

/** Figures by line code. */
export type Figures = Record<string, number>;

/** The arithmetic every real final protocol satisfies; a copy that does not is flagged. */
export const ARITHMETIC_CHECKS = {
  found_is_valid_plus_invalid: { ru: 'Найдено в ящиках ≠ действительные + недействительные', en: 'Ballots found ≠ valid + invalid' },
  candidates_sum_to_valid: { ru: 'Сумма голосов за кандидатов ≠ числу действительных бюллетеней', en: 'Votes for the candidates do not sum to the valid ballots' },
  issued_within_list: { ru: 'Выдано бюллетеней больше, чем избирателей в списке', en: 'More ballots issued than voters on the list' },
} as const;
export type ArithmeticCheck = keyof typeof ARITHMETIC_CHECKS;

const sumOf = (lines: readonly ProtocolLine[], figures: Figures, role: LineRole): number | null => {
  const ofRole = lines.filter((l) => l.role === role);
  if (ofRole.length === 0 || ofRole.some((l) => figures[l.code] === undefined)) return null;
  return ofRole.reduce((n, l) => n + figures[l.code]!, 0);
};

/** The checks these figures fail; a check whose lines are not all given is not run. */
export function arithmeticFlags(lines: readonly ProtocolLine[], figures: Figures): ArithmeticCheck[] {
  const [found, valid, invalid, candidates, list] = (['ballots_found', 'valid', 'invalid', 'candidate', 'voters_on_list'] as const).map((r) => sumOf(lines, figures, r));
  const issued = ['issued_early', 'issued_station', 'issued_outside'].map((r) => sumOf(lines, figures, r as LineRole)).filter((n): n is number => n !== null);
  const flags: ArithmeticCheck[] = [];
  if (found != null && valid != null && invalid != null && found !== valid + invalid) flags.push('found_is_valid_plus_invalid');
  if (candidates != null && valid != null && candidates !== valid) flags.push('candidates_sum_to_valid');
  if (list != null && issued.length > 0 && issued.reduce((a, b) => a + b, 0) > list) flags.push('issued_within_list');
  return flags;
}

/**
 * The official turnout clock: the station's wall clock, counted from the polls' opening on the first
 * voting day. Russian stations open at 08:00 and close at 20:00 on each voting day. Official turnout
 * is cumulative over the days (the voters since the first opening), stored by instant
 * `YYYY-MM-DDTHH:MM`, so any two published instants of a multi-day election (Russia's 15–17 March
 * 2024) compare; at the first opening it is zero, at the last close the ballots issued at the
 * station, and nobody votes overnight (a day's opening is the day before's close).
 */
export const POLLS_OPEN = '08:00';
export const POLLS_CLOSE = '20:00';
export const HOUR = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
/** A turnout instant as stored and as an attendance count's ends are written: YYYY-MM-DDTHH:MM. */
export const TURNOUT_INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]$/;

export type AttendanceCount = { from: string; to: string; people: number; what: CountSubject; method: CountMethod }; // from/to: YYYY-MM-DDTHH:MM

/** turnout: cumulative official voters by instant YYYY-MM-DDTHH:MM (TURNOUT_INSTANT). */
export type OfficialResult = { region: string; figures: Figures; turnout: Record<string, number> };

/**
 * subject: a protocol line's code, or an attendance count's hours as an ISO 8601 interval
 * `YYYY-MM-DDTHH:MM/YYYY-MM-DDTHH:MM` (wall clock of the station).
 */
export type Discrepancy = { kind: 'protocol_line' | 'attendance'; subject: string; official: number; observed: number; uncertainty: number };

/** The days an election's polls are open, first and last (YYYY-MM-DD); the same day for a one-day election. */
export type VotingDays = { first: string; last: string };

/** Whether a YYYY-MM-DD is a real calendar date. */
export const isCalendarDate = (d: string): boolean => /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00Z`)) && new Date(`${d}T00:00Z`).toISOString().slice(0, 10) === d;

/** The day before a YYYY-MM-DD. */
const dayBefore = (d: string): string => new Date(Date.parse(`${d}T00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** Whether an instant YYYY-MM-DDTHH:MM lies on one of the voting days. */
export const onVotingDays = (instant: string, days: VotingDays): boolean => instant.slice(0, 10) >= days.first && instant.slice(0, 10) <= days.last;

/**
 * Official voters by this instant (YYYY-MM-DDTHH:MM), when published or implied: zero at the first
 * day's opening, the ballots issued at the station at the last day's close, and a later day's opening
 * is the day before's close (published). Under the cumulative figures these hold over several days too.
 */
export function officialVotersAt(official: OfficialResult, lines: readonly ProtocolLine[], at: string, days: VotingDays): number | null {
  const published = official.turnout[at];
  if (published !== undefined) return published;
  const [day, hour] = [at.slice(0, 10), at.slice(11, 16)];
  if (hour === POLLS_OPEN && day === days.first) return 0;
  if (hour === POLLS_CLOSE && day === days.last) return sumOf(lines, official.figures, 'issued_station');
  if (hour === POLLS_OPEN && day > days.first) return officialVotersAt(official, lines, `${dayBefore(day)}T${POLLS_CLOSE}`, days);
  return null;
}

/** The hours of an attendance count as the discrepancies name them: an ISO 8601 interval. */
export const countInterval = (c: Pick<AttendanceCount, 'from' | 'to'>) => `${c.from}/${c.to}`;

/** A protocol copy against the official figures: every line both give. */
export function protocolDiscrepancies(lines: readonly ProtocolLine[], official: OfficialResult, copy: Figures): Discrepancy[] {
  return lines
    .filter((l) => official.figures[l.code] !== undefined && copy[l.code] !== undefined)
    .map((l) => ({ kind: 'protocol_line', subject: l.code, official: official.figures[l.code]!, observed: copy[l.code]!, uncertainty: 0 }));
}

/**
 * An observer's count of people entering against the official turnout over the same hours, on any
 * voting day (or across a night between two): the difference of the cumulative figures at its ends.
 * Queue counts and hours outside the voting days have no official counterpart. Uncertainty: the
 * method's share of the count, rounded up.
 */
export function attendanceDiscrepancy(lines: readonly ProtocolLine[], official: OfficialResult, count: AttendanceCount, days: VotingDays): Discrepancy | null {
  if (count.what !== 'entered' || !onVotingDays(count.from, days) || !onVotingDays(count.to, days)) return null;
  const atFrom = officialVotersAt(official, lines, count.from, days);
  const atTo = officialVotersAt(official, lines, count.to, days);
  if (atFrom === null || atTo === null) return null;
  return { kind: 'attendance', subject: countInterval(count), official: atTo - atFrom, observed: count.people, uncertainty: Math.ceil(count.people * COUNT_METHODS[count.method]) };
}

/** How far a difference lies beyond the uncertainty: what the public ranking sorts by. */
export const excessOf = (d: Discrepancy) => Math.max(Math.abs(d.official - d.observed) - d.uncertainty, 0);

/**
 * Turnout (ballots issued over voters on the list) and the leading candidate's share of valid ballots,
 * in %, as a function made once per election: an import applies it to 100 000 stations.
 */
export function officialSharesOf(lines: readonly ProtocolLine[]): (figures: Figures) => { turnoutPct: number | null; leaderPct: number | null } {
  const codes = (role: LineRole) => lines.filter((l) => l.role === role).map((l) => l.code);
  const [list, valid, candidates] = [codes('voters_on_list'), codes('valid'), codes('candidate')];
  const issued = (['issued_early', 'issued_station', 'issued_outside'] as const).map(codes).filter((c) => c.length > 0);
  const sum = (f: Figures, cs: string[]) => {
    let n = 0;
    for (const c of cs) {
      const v = f[c];
      if (v === undefined) return null;
      n += v;
    }
    return cs.length ? n : null;
  };
  return (f) => {
    const onList = sum(f, list);
    const given = issued.map((cs) => sum(f, cs)).filter((n): n is number => n !== null);
    const validBallots = sum(f, valid);
    const votes = candidates.map((c) => f[c]).filter((v): v is number => v !== undefined);
    return {
      turnoutPct: onList && given.length ? (100 * given.reduce((a, b) => a + b, 0)) / onList : null,
      leaderPct: validBallots && votes.length ? Math.min(100, (100 * Math.max(...votes)) / validBallots) : null,
    };
  };
}

/** The shares of one station's figures (officialSharesOf, once). */
export const officialShares = (lines: readonly ProtocolLine[], figures: Figures) => officialSharesOf(lines)(figures);

/**
 * The columns of an official-results file besides the line codes: the station and its region, then
 * cumulative turnout per reported instant, `turnout_YYYY-MM-DD_HH:MM` (any voting day), or
 * `turnout_HH:MM` (the last voting day, as before multi-day voting).
 */
export const OFFICIAL_KEY_COLUMNS = ['uik', 'region'] as const;
export const TURNOUT_COLUMN = /^turnout_(?:([0-9]{4}-[0-9]{2}-[0-9]{2})_)?(([01][0-9]|2[0-3]):[0-5][0-9])$/;

/**
 * The instant a turnout column reports (YYYY-MM-DDTHH:MM), `outside` when its day is not a voting
 * day, null when the name is not a turnout column (nor a real date).
 */
export function turnoutColumnInstant(name: string, days: VotingDays): string | 'outside' | null {
  const m = TURNOUT_COLUMN.exec(name);
  if (!m) return null;
  const day = m[1] ?? days.last;
  if (!isCalendarDate(day)) return null;
  return day >= days.first && day <= days.last ? `${day}T${m[2]}` : 'outside';
}

export const MAX_OFFICIAL_ROWS = 200_000;

/** A refused row: its line, what is wrong (English, as stored), and for some a catalogue code with its parameters (said in ru and en by web/error-messages.ts). */
export type RowProblem = { line: number; message: string; code?: string; params?: Record<string, string | number> };
export type OfficialImportReport = { importId: number; imported: number; changed: number; errors: RowProblem[] };

/** A station's official row as the import stores it. */
export type NewOfficialResult = OfficialResult & { uikNumber: string; turnoutPct: number | null; leaderPct: number | null };
