/**
 * The public archive's addresses, each written once: the pages, the API's answers, the feed and
 * the exports link to them (the CSV export prefixes ids with entryUrl('')). Permalinks never change.
 */

export const entryUrl = (id: string) => `/archive/${id}`;

export const stationUrl = (s: { election_id: number; region: string; station_number: string }) =>
  `/stations/${s.election_id}/${encodeURIComponent(s.region)}/${s.station_number}`;
