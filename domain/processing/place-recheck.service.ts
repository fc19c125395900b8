import type { TxRepositories } from '../../db/repositories';
import { placeMismatch } from './claim-mismatch';

/**
 * place_mismatch against the polling-station register as it is now. The worker checks a file
 * against the register when it processes it; a register imported (or a place corrected) later
 * re-checks every processed file of the election that has a GPS point: a photo taken far from its
 * station is flagged, a flag that the corrected place no longer supports is removed, and
 * region_mismatch (the check made while the register had no place for the station) gives way.
 * Returns how many files changed. Runs in the caller's transaction (the import that changed the register).
 */
export async function recheckPlaceMismatch(tx: Pick<TxRepositories, 'media'>, electionId: number, maxKm: number): Promise<number> {
  const add: string[] = [];
  const remove: string[] = [];
  const superseded: string[] = [];
  for (const file of await tx.media.listPlaceChecks(electionId)) {
    const station = file.station_lat !== null && file.station_lon !== null ? { lat: file.station_lat, lon: file.station_lon } : null;
    const mismatch = placeMismatch({ lat: file.gps_lat, lon: file.gps_lon }, station, maxKm);
    if (mismatch && !file.flagged) add.push(file.id);
    if (!mismatch && file.flagged) remove.push(file.id);
    if (station && file.region_flagged) superseded.push(file.id);
  }
  await tx.media.addFlag(add, 'place_mismatch');
  await tx.media.removeFlag(remove, 'place_mismatch');
  await tx.media.removeFlag(superseded, 'region_mismatch');
  return new Set([...add, ...remove, ...superseded]).size;
}
