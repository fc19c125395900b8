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
