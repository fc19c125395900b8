import type { Queryable } from './pool';

export type ElectionRow = {
  id: number;
  slug: string;
  name_ru: string;
  name_en: string;
  country: string;
  voting_starts_on: string;
  voting_ends_on: string;
  active: boolean;
};

export type CategoryRow = {
  code: string;
  phase_code: string;
  phase_label_ru: string;
  phase_label_en: string;
  label_ru: string;
  label_en: string;
  active: boolean;
};

const ELECTION_COLUMNS = `id, slug, name_ru, name_en, country,
  to_char(voting_starts_on, 'YYYY-MM-DD') AS voting_starts_on,
  to_char(voting_ends_on, 'YYYY-MM-DD') AS voting_ends_on, active`;

export async function listElections(db: Queryable, onlyActive: boolean): Promise<ElectionRow[]> {
  const { rows } = await db.query<ElectionRow>(
    `SELECT ${ELECTION_COLUMNS} FROM elections WHERE active OR NOT $1 ORDER BY voting_ends_on DESC, id`,
    [onlyActive],
  );
  return rows;
}

export async function findElection(db: Queryable, id: number): Promise<ElectionRow | null> {
  const { rows } = await db.query<ElectionRow>(`SELECT ${ELECTION_COLUMNS} FROM elections WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listCategories(db: Queryable, onlyActive: boolean): Promise<CategoryRow[]> {
  const { rows } = await db.query<CategoryRow>(
    `SELECT c.code, c.phase_code, p.label_ru AS phase_label_ru, p.label_en AS phase_label_en,
            c.label_ru, c.label_en, c.active
       FROM categories c JOIN category_phases p ON p.code = c.phase_code
      WHERE c.active OR NOT $1
      ORDER BY p.position, c.position`,
    [onlyActive],
  );
  return rows;
}

export async function findCategory(db: Queryable, code: string): Promise<CategoryRow | null> {
  const { rows } = await db.query<CategoryRow>(
    `SELECT c.code, c.phase_code, p.label_ru AS phase_label_ru, p.label_en AS phase_label_en,
            c.label_ru, c.label_en, c.active
       FROM categories c JOIN category_phases p ON p.code = c.phase_code WHERE c.code = $1`,
    [code],
  );
  return rows[0] ?? null;
}
