import type { NewStation, StationCount } from '../domain/stations/model';
import type { Queryable } from './pool';
import { STATION_NUMBER_KEY } from './submissions.repo';

/** An import runs longer than a request's statements may: it lifts the limit for its own transaction. */
export { allowLongStatements } from './pool';

/** Inserts or replaces the stations of one election by number, in one statement. */
export async function upsertStations(db: Queryable, electionId: number, stations: NewStation[]): Promise<number> {
  if (stations.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO polling_stations (election_id, region, tik, uik_number, address, latitude, longitude)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[])
     ON CONFLICT (election_id, uik_number) DO UPDATE
        SET region = EXCLUDED.region, tik = EXCLUDED.tik, address = EXCLUDED.address,
            latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, imported_at = now()`,
    [
      electionId,
      stations.map((s) => s.region),
      stations.map((s) => s.tik),
      stations.map((s) => s.uikNumber),
      stations.map((s) => s.address),
      stations.map((s) => s.latitude),
      stations.map((s) => s.longitude),
    ],
  );
  return rowCount ?? 0;
}

/** Links this election's submissions to the register row of their station number. */
export async function linkSubmissions(db: Queryable, electionId: number): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE submissions s SET polling_station_id = p.id
       FROM polling_stations p
      WHERE s.election_id = $1 AND p.election_id = $1 AND p.uik_number = ${STATION_NUMBER_KEY('s.station_number')}
        AND s.polling_station_id IS DISTINCT FROM p.id`,
    [electionId],
  );
  return rowCount ?? 0;
}

export async function countStations(db: Queryable): Promise<StationCount[]> {
  const { rows } = await db.query<StationCount>(
    `SELECT e.id AS election_id, e.slug, e.name_ru, e.name_en,
            (SELECT count(*)::int FROM polling_stations p WHERE p.election_id = e.id) AS stations,
            (SELECT count(*)::int FROM polling_stations p WHERE p.election_id = e.id AND p.latitude IS NOT NULL) AS with_coordinates,
            (SELECT count(*)::int FROM submissions s WHERE s.election_id = e.id AND s.polling_station_id IS NOT NULL) AS linked_submissions
       FROM elections e ORDER BY e.voting_ends_on DESC, e.id`,
  );
  return rows;
}
