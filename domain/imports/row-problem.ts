import type { ErrorParams } from '../errors';

/**
 * Why one line of an imported CSV (stations register, official results) was left out while the good
 * lines went in: a code of the error catalogue, said in Russian and English by web/error-messages.ts,
 * with its parameters. Stored as is in an import's audit, so the report reads the same later.
 */
export const ROW_PROBLEM_CODES = [
  'row_unreadable',
  'row_station_number',
  'row_text',
  'row_coordinate',
  'row_coordinates_pair',
  'row_figures',
  'row_station_twice',
  'turnout_goes_down',
] as const;
export type RowProblemCode = (typeof ROW_PROBLEM_CODES)[number];

export type RowProblem = { line: number; code: RowProblemCode; params: ErrorParams };
