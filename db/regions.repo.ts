import type { Region } from '../domain/regions/model';
import type { Queryable } from './pool';

/** Every region (subjects, occupied regions, countries) with its names, aliases and boundary. */
export async function listRegions(db: Queryable): Promise<Region[]> {
  const { rows } = await db.query<Region>(`SELECT code, kind, name_ru, name_en, aliases, boundary FROM regions ORDER BY kind, name_ru`);
  return rows;
}
