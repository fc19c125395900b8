import type { StationFigures } from '../../domain/counts/counts.service';
import type { RankedStation } from '../../domain/counts/counts.service';
import { stationUrl } from '../../web/links';
import type { DiscrepancyResponse, RankingResponse, StationFiguresResponse } from './counts.schema';

type PublicDiscrepancy = StationFigures['discrepancies'][number];

export const presentDiscrepancy = (d: PublicDiscrepancy): DiscrepancyResponse => ({
  entry_id: d.submission_id,
  kind: d.kind,
  subject: d.subject,
  official: d.official,
  observed: d.observed,
  uncertainty: d.uncertainty,
  difference: d.difference,
  beyond_uncertainty: d.excess,
});

export const presentRanked = (r: RankedStation): RankingResponse['items'][number] => ({
  election_id: r.election_id,
  region: r.region,
  station_number: r.uik_number,
  largest_difference: r.score,
  lines_differing: r.differing,
  evidence: r.evidence,
  url: stationUrl({ election_id: r.election_id, region: r.region, station_number: r.uik_number }),
});

export const presentStationFigures = (electionId: number, stationNumber: string, f: StationFigures): StationFiguresResponse => ({
  election_id: electionId,
  station_number: stationNumber,
  lines: f.lines.map((l) => ({ code: l.code, line_no: l.line_no, role: l.role, ru: l.label_ru, en: l.label_en })),
  voting_days: f.votingDays,
  official: f.official && { figures: f.official.figures, turnout: f.official.turnout, imported_at: f.official.importedAt.toISOString() },
  protocol_copies: f.protocols.map((p) => ({ entry_id: p.submission_id, figures: p.figures, arithmetic_flags: p.arithmetic_flags })),
  counts: f.counts.map((c) => ({ entry_id: c.submission_id, from: c.from, to: c.to, people: c.people, what: c.what, method: c.method })),
  discrepancies: f.discrepancies.map(presentDiscrepancy),
});

/** A CSV field (RFC 4180) that no spreadsheet runs as a formula: text starting with = + - @ tab CR LF gets a leading '. */
const csvField = (v: string | number): string => {
  if (typeof v === 'number') return String(v);
  const safe = /^[=+\-@\t\r\n]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const RANKING_CSV_HEADER = ['election_id', 'region', 'station_number', 'largest_difference', 'kind', 'subject', 'official', 'observed', 'uncertainty', 'difference', 'beyond_uncertainty', 'entry_url'];

/** One CSV line per discrepancy of each ranked station (stations ranked, their lines largest first). */
export function rankingCsv(rows: (RankedStation & { discrepancies: StationFigures['discrepancies'] })[], baseUrl: string): string {
  const lines = [RANKING_CSV_HEADER.join(',')];
  for (const r of rows) {
    for (const d of r.discrepancies) {
      lines.push([r.election_id, r.region, r.uik_number, r.score, d.kind, d.subject, d.official, d.observed, d.uncertainty, d.difference, d.excess, `${baseUrl}/archive/${d.submission_id}`].map(csvField).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
