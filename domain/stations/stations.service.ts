import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { Repositories } from '../../db/repositories';
import { actorOf } from '../accounts/accounts.service';
import type { SessionUser } from '../accounts/model';
import { appendAudit } from '../audit/audit.service';
import type { AppContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';
import type { RowProblem } from '../imports/row-problem';
import { recheckPlaceMismatch } from '../processing/place-recheck.service';
import type { NewStation, StationCount } from './model';

/** The columns a register file must have (header row; comma or semicolon separated, UTF-8). */
export const STATION_COLUMNS = ['region', 'tik', 'uik', 'address', 'latitude', 'longitude'] as const;
export const MAX_STATION_ROWS = 200_000;
// A whole register (up to MAX_STATION_ROWS) upserted and every file of the election re-checked
// against it may take longer than a request's statement may; an admin starts it knowingly.
const IMPORT_STATEMENT_TIMEOUT_MS = 10 * 60_000;

const TEXT_LIMITS = { region: 200, tik: 300, address: 1000 } as const;
const COORDINATE_RANGES = { latitude: [-90, 90], longitude: [-180, 180] } as const;

const text = (column: keyof typeof TEXT_LIMITS) => z.string().trim().min(1).max(TEXT_LIMITS[column]);
const coordinate = (column: keyof typeof COORDINATE_RANGES) => {
  const [min, max] = COORDINATE_RANGES[column];
  return z
    .string()
    .trim()
    .transform((v) => v.replace(',', '.'))
    .refine((v) => v === '' || (/^-?\d+(\.\d+)?$/.test(v) && Number(v) >= min && Number(v) <= max))
    .transform((v) => (v === '' ? null : Number(v)));
};

const stationRow = z
  .object({
    region: text('region'),
    tik: text('tik'),
    uik: z.string().trim().regex(/^[0-9]{1,6}$/),
    address: text('address'),
    latitude: coordinate('latitude'),
    longitude: coordinate('longitude'),
  })
  .refine((r) => (r.latitude === null) === (r.longitude === null))
  .transform((r): NewStation => ({
    region: r.region,
    tik: r.tik,
    uikNumber: r.uik.replace(/^0+(?=\d)/, ''),
    address: r.address,
    latitude: r.latitude,
    longitude: r.longitude,
  }));

/** A line's first problem, in column order (the admin fixes the file and imports it again). */
function rowProblemOf(line: number, issue: z.core.$ZodIssue): RowProblem {
  const column = issue.path[0];
  if (column === 'uik') return { line, code: 'row_station_number', params: {} };
  if (column === 'latitude' || column === 'longitude') {
    const [min, max] = COORDINATE_RANGES[column];
    return { line, code: 'row_coordinate', params: { column, min, max } };
  }
  if (typeof column === 'string' && column in TEXT_LIMITS) return { line, code: 'row_text', params: { column, max: TEXT_LIMITS[column as keyof typeof TEXT_LIMITS] } };
  return { line, code: 'row_coordinates_pair', params: {} };
}

export type ImportReport = { imported: number; linked: number; placeFlagsChanged: number; errors: RowProblem[] };

/**
 * Imports one election's register from CSV: good rows are inserted or replace the station of the
 * same number; each bad row is reported with its line and what is wrong; submissions are linked
 * and their processed files re-checked for place_mismatch against the new places.
 */
export async function importStations(ctx: AppContext, admin: SessionUser, electionId: number, csv: Buffer): Promise<ImportReport> {
  if (!(await ctx.repos.catalog.findElection(electionId))) throw badRequest('unknown_election');
  let records: { record: Record<string, string>; info: { lines: number; error?: Error } }[];
  try {
    // The header decides the separator: registers exported with ";" use the decimal comma.
    const header = csv.subarray(0, Math.max(0, csv.indexOf(10)) || csv.length).toString('utf8');
    const delimiter = header.includes(';') ? ';' : ',';
    records = parseCsv(csv, { columns: (names: string[]) => names.map((h) => h.trim().toLowerCase()), bom: true, skip_empty_lines: true, relax_column_count: true, delimiter, info: true });
  } catch (err) {
    throw badRequest('bad_csv', {}, { parser: (err as Error).message });
  }
  if (records.length === 0) throw badRequest('empty_csv', { columns: STATION_COLUMNS });
  const missing = STATION_COLUMNS.filter((c) => !(c in records[0]!.record));
  if (missing.length) throw badRequest('missing_columns', { missing, columns: STATION_COLUMNS });
  if (records.length > MAX_STATION_ROWS) throw badRequest('too_many_rows', { limit: MAX_STATION_ROWS });

  const errors: ImportReport['errors'] = [];
  const byNumber = new Map<string, { station: NewStation; line: number }>();
  for (const { record, info } of records) {
    if (info.error) {
      errors.push({ line: info.lines, code: 'row_unreadable', params: {} });
      continue;
    }
    const parsed = stationRow.safeParse(record);
    if (!parsed.success) {
      errors.push(rowProblemOf(info.lines, parsed.error.issues[0]!));
      continue;
    }
    const earlier = byNumber.get(parsed.data.uikNumber);
    if (earlier) {
      errors.push({ line: info.lines, code: 'row_station_twice', params: { uik: parsed.data.uikNumber, line: earlier.line } });
      continue;
    }
    byNumber.set(parsed.data.uikNumber, { station: parsed.data, line: info.lines });
  }
  return ctx.transaction(async (tx) => {
    await tx.stations.allowLongStatements(IMPORT_STATEMENT_TIMEOUT_MS);
    const imported = await tx.stations.upsertStations(electionId, [...byNumber.values()].map((v) => v.station));
    const linked = await tx.stations.linkSubmissions(electionId);
    const placeFlagsChanged = await recheckPlaceMismatch(tx, electionId, ctx.config.placeMismatchKm);
    await appendAudit(tx, actorOf(admin), {
      action: 'stations.import',
      entityType: 'election',
      entityId: String(electionId),
      after: { imported, linked, bad_rows: errors.length, place_flags_changed: placeFlagsChanged },
    });
    return { imported, linked, placeFlagsChanged, errors };
  });
}

export const stationsOverview = (ctx: AppContext): Promise<StationCount[]> => ctx.repos.stations.countStations();

// ---- Holding publication until the polls close

export const publicationHolds = (ctx: AppContext) => ctx.repos.settings.listPublicationHolds();

export async function setPublicationHold(ctx: AppContext, admin: SessionUser, electionId: number, hold: { pollsCloseAt: Date | null; holdPublication: boolean }) {
  if (hold.holdPublication && !hold.pollsCloseAt) throw badRequest('hold_needs_close_time');
  await ctx.transaction(async (tx) => {
    const before = await tx.settings.findPublicationHold(electionId);
    if (!before || !(await tx.settings.setPublicationHold(electionId, hold))) throw notFound('election');
    await appendAudit(tx, actorOf(admin), {
      action: 'settings.change',
      entityType: 'election',
      entityId: String(electionId),
      before: { polls_close_at: before.polls_close_at, hold_publication: before.hold_publication },
      after: { polls_close_at: hold.pollsCloseAt, hold_publication: hold.holdPublication },
    });
  });
}

/**
 * Refuses publication while the election's polls are open and an admin chose to hold it. This owns
 * the rule (and says until when); the trigger submissions_publication_hold only guards other paths
 * and answers with the same code (SV003 -> publication_held, db/errors.ts).
 */
export async function assertPublicationAllowed(repos: Pick<Repositories, 'settings'>, electionId: number): Promise<void> {
  const hold = await repos.settings.findPublicationHold(electionId);
  if (hold?.hold_publication && hold.polls_close_at && hold.polls_close_at > new Date()) {
    throw conflict('publication_held', { until: hold.polls_close_at.toISOString().slice(0, 16).replace('T', ' ') });
  }
}
