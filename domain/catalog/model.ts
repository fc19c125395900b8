/** The catalog as the pages know it: the elections and the violation categories an entry is filed under. */

export type Election = {
  id: number;
  slug: string;
  name_ru: string;
  name_en: string;
  country: string;
  voting_starts_on: string; // YYYY-MM-DD
  voting_ends_on: string;
  active: boolean;
};

export type Category = {
  code: string;
  phase_code: string;
  phase_label_ru: string;
  phase_label_en: string;
  label_ru: string;
  label_en: string;
  active: boolean;
};

/** The phases of an election a category belongs to (before, on and after voting day). */
export type CategoryPhase = { code: string; label_ru: string; label_en: string };

export type NewElection = { slug: string; nameRu: string; nameEn: string; country: string; votingStartsOn: string; votingEndsOn: string };

/** A new category goes last in its phase; its code is permanent. */
export type NewCategory = { code: string; phaseCode: string; labelRu: string; labelEn: string };

/** What an admin may change of a category (never its code). */
export type CategoryEdit = { labelRu: string; labelEn: string; active: boolean };
