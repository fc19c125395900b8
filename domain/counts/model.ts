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
 * The official turnout clock: reported hours ("HH:MM", the station's wall clock on the last voting
 * day), counted from the polls' opening (zero voters by then). Russian stations open at 08:00 and close
 * at 20:00; at the close the official turnout is the ballots issued at the station on the day.
 */
export const POLLS_OPEN = '08:00';
export const POLLS_CLOSE = '20:00';
export const HOUR = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export type AttendanceCount = { from: string; to: string; people: number; what: CountSubject; method: CountMethod }; // from/to: YYYY-MM-DDTHH:MM

export type OfficialResult = { region: string; figures: Figures; turnout: Record<string, number> };

export type Discrepancy = { kind: 'protocol_line' | 'attendance'; subject: string; official: number; observed: number; uncertainty: number };

/** The days an election's polls are open, first and last (YYYY-MM-DD); the same day for a one-day election. */
export type VotingDays = { first: string; last: string };

/**
 * Official voters by this wall-clock time of the last voting day, when published (or implied). The
 * opening's zero and the close's ballots issued are implied only for a one-day election: over several
 * days (Russia's 15–17 March 2024) voters of earlier days are in both, so an implied figure would
 * set a count of one morning against three days of voters — a discrepancy that is not there.
 */
function officialVotersAt(official: OfficialResult, lines: readonly ProtocolLine[], hour: string, oneDay: boolean): number | null {
  if (official.turnout[hour] !== undefined) return official.turnout[hour]!;
  if (oneDay && hour === POLLS_OPEN) return 0;
  if (oneDay && hour === POLLS_CLOSE) return sumOf(lines, official.figures, 'issued_station');
  return null;
}

/** A protocol copy against the official figures: every line both give. */
export function protocolDiscrepancies(lines: readonly ProtocolLine[], official: OfficialResult, copy: Figures): Discrepancy[] {
  return lines
    .filter((l) => official.figures[l.code] !== undefined && copy[l.code] !== undefined)
    .map((l) => ({ kind: 'protocol_line', subject: l.code, official: official.figures[l.code]!, observed: copy[l.code]!, uncertainty: 0 }));
}

/**
 * An observer's count of people entering against the official turnout over the same hours of the
 * last voting day (queue counts and other days have no official counterpart). Uncertainty: the
 * method's share of the count, rounded up.
 */
export function attendanceDiscrepancy(lines: readonly ProtocolLine[], official: OfficialResult, count: AttendanceCount, days: VotingDays): Discrepancy | null {
  if (count.what !== 'entered' || count.from.slice(0, 10) !== days.last || count.to.slice(0, 10) !== days.last) return null;
  const [from, to] = [count.from.slice(11, 16), count.to.slice(11, 16)];
  const oneDay = days.first === days.last;
  const atFrom = officialVotersAt(official, lines, from, oneDay);
  const atTo = officialVotersAt(official, lines, to, oneDay);
  if (atFrom === null || atTo === null) return null;
  return { kind: 'attendance', subject: `${from}-${to}`, official: atTo - atFrom, observed: count.people, uncertainty: Math.ceil(count.people * COUNT_METHODS[count.method]) };
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

/** The columns of an official-results file besides the line codes: the station and its region, then turnout_HH:MM per reported hour. */
export const OFFICIAL_KEY_COLUMNS = ['uik', 'region'] as const;
export const TURNOUT_COLUMN = /^turnout_(([01][0-9]|2[0-3]):[0-5][0-9])$/;
export const MAX_OFFICIAL_ROWS = 200_000;

export type OfficialImportReport = { importId: number; imported: number; changed: number; errors: { line: number; message: string }[] };

/** A station's official row as the import stores it. */
export type NewOfficialResult = OfficialResult & { uikNumber: string; turnoutPct: number | null; leaderPct: number | null };
