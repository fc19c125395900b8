import { z } from 'zod';
import { COUNT_METHODS, COUNT_SUBJECTS, type AttendanceCount, type Figures } from '../../domain/counts/model';
import type { ObserverFigures } from '../../domain/counts/counts.service';
import { searchFilterShape } from '../archive/archive.schema';
import { fieldProblem } from '../../web/error-messages';
import { parse } from '../middleware/validate';

// ----------------------------------------------------------------------------------------------
// Requests. The public list and its exports take the archive's filter names (election, region,
// station) and, like the archive's, refuse an unknown parameter.

const rankFilterShape = {
  election: searchFilterShape.election,
  region: z.string().max(200).optional().meta({ description: 'Region name, exactly as the official results give it.' }),
  station: searchFilterShape.station,
};

export const rankingQuery = z.strictObject({
  ...rankFilterShape,
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
  lang: searchFilterShape.lang,
});
export const rankingExportQuery = z.strictObject(rankFilterShape);

export const stationFiguresParams = z.object({
  election: z.coerce.number().int().min(1).max(2_147_483_647),
  number: z.string().regex(/^[0-9]{1,6}$/, fieldProblem('station_number')),
});
export const electionParams = z.object({ election: stationFiguresParams.shape.election });
export const idParams = z.object({ id: z.uuid() });

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const blankless = (v: unknown) => (v === '' ? undefined : v);

/**
 * What an observer sends with a count or a protocol copy, beside the upload form's fields: count_*
 * and one line_<code> per protocol line (all strings, as a form sends them).
 */
const countFields = z
  .object({
    count_from: z.preprocess(blankless, z.string().regex(LOCAL_TIME).optional()),
    count_to: z.preprocess(blankless, z.string().regex(LOCAL_TIME).optional()),
    count_people: z.preprocess(blankless, z.coerce.number().int().min(0).max(100_000).optional()),
    count_what: z.preprocess(blankless, z.enum(COUNT_SUBJECTS).optional()),
    count_method: z.preprocess(blankless, z.enum(Object.keys(COUNT_METHODS) as [keyof typeof COUNT_METHODS]).optional()),
  })
  .superRefine((c, ctx) => {
    const given = [c.count_from, c.count_to, c.count_people, c.count_what, c.count_method].filter((v) => v !== undefined).length;
    if (given > 0 && given < 5) ctx.addIssue({ code: 'custom', path: ['count_people'], message: fieldProblem('count_incomplete') });
    if (c.count_from && c.count_to && c.count_to <= c.count_from) ctx.addIssue({ code: 'custom', path: ['count_to'], message: fieldProblem('count_reversed') });
  });

// (the schema's message is said for every problem of it)
const figure = z.coerce.number({ error: fieldProblem('protocol_figure') }).int().min(0).max(10_000_000);

/** The line_<code> fields of a form as figures; empty ones are left out. */
export function figuresFromForm(body: Record<string, unknown>): Figures {
  const figures: Figures = {};
  for (const [key, value] of Object.entries(body)) {
    if (!key.startsWith('line_') || value === '' || value === undefined) continue;
    figures[key.slice('line_'.length)] = parse(figure, typeof value === 'string' ? value.replace(/[\s\u00a0]/g, '') : value);
  }
  return figures;
}

export function observerFiguresFromForm(body: Record<string, unknown>): ObserverFigures {
  const c = parse(countFields, body);
  const count: AttendanceCount | null =
    c.count_from && c.count_to && c.count_people !== undefined && c.count_what && c.count_method
      ? { from: c.count_from, to: c.count_to, people: c.count_people, what: c.count_what, method: c.count_method }
      : null;
  const protocol = figuresFromForm(body);
  return { count, protocol: Object.keys(protocol).length ? protocol : null };
}

/** The moderator's forms. */
export const verifyForm = z.object({ verified: z.enum(['1', '0'], { error: fieldProblem('one_or_zero') }).transform((v) => v === '1') });
export const checkForm = z.object({ checked: z.enum(['1', '0'], { error: fieldProblem('one_or_zero') }).transform((v) => v === '1') });

/** The admin's forms. */
export const linesForm = z.object({
  election_id: z.coerce.number().int().positive(),
  lines: z.string().max(20_000),
});
export const officialImportForm = z.object({ election_id: z.coerce.number().int().positive() });

// ----------------------------------------------------------------------------------------------
// Responses: typed presenters, and the OpenAPI document.

const discrepancy = z
  .object({
    entry_id: z.uuid(),
    kind: z.enum(['protocol_line', 'attendance']),
    subject: z.string().meta({ description: 'The protocol line code, or the hours of an attendance count as an ISO 8601 interval YYYY-MM-DDTHH:MM/YYYY-MM-DDTHH:MM (the station\'s wall clock)' }),
    official: z.number().int(),
    observed: z.number().int(),
    uncertainty: z.number().int().meta({ description: 'The counting method\'s uncertainty (0 for a protocol copy)' }),
    difference: z.number().int().meta({ description: 'official − observed' }),
    beyond_uncertainty: z.number().int(),
  })
  .meta({ id: 'Discrepancy' });

const rankedStation = z
  .object({
    election_id: z.number().int(),
    region: z.string(),
    station_number: z.string(),
    largest_difference: z.number().int().meta({ description: 'The largest difference beyond the counting uncertainty' }),
    lines_differing: z.number().int(),
    evidence: z.number().int(),
    url: z.string(),
  })
  .meta({ id: 'RankedStation' });

export const rankingResponse = z.object({ items: z.array(rankedStation) }).meta({ id: 'Ranking' });

export const stationFiguresResponse = z
  .object({
    election_id: z.number().int(),
    station_number: z.string(),
    lines: z.array(z.object({ code: z.string(), line_no: z.number().int(), role: z.string(), ru: z.string(), en: z.string() })),
    voting_days: z.object({ first: z.string(), last: z.string() }).nullable().meta({ description: 'The election\'s voting days, YYYY-MM-DD' }),
    official: z
      .object({
        figures: z.record(z.string(), z.number().int()),
        turnout: z.record(z.string(), z.number().int()).meta({ description: 'Cumulative official voters since the first voting day\'s opening, by instant YYYY-MM-DDTHH:MM' }),
        imported_at: z.string(),
      })
      .nullable(),
    protocol_copies: z.array(z.object({ entry_id: z.uuid(), figures: z.record(z.string(), z.number().int()), arithmetic_flags: z.array(z.string()) })),
    counts: z.array(z.object({ entry_id: z.uuid(), from: z.string(), to: z.string(), people: z.number().int(), what: z.string(), method: z.string() })),
    discrepancies: z.array(discrepancy),
  })
  .meta({ id: 'StationFigures' });

export type RankingResponse = z.infer<typeof rankingResponse>;
export type StationFiguresResponse = z.infer<typeof stationFiguresResponse>;
export type DiscrepancyResponse = z.infer<typeof discrepancy>;
