/** Polling stations as the admin pages know them. */

/** One election's register: how many stations, how many placed on the map, how many submissions link to one. */
export type StationCount = { election_id: number; slug: string; name_ru: string; name_en: string; stations: number; with_coordinates: number; linked_submissions: number };

/** A row of an imported register: uikNumber without leading zeros; a place only with both coordinates. */
export type NewStation = { region: string; tik: string; uikNumber: string; address: string; latitude: number | null; longitude: number | null };
