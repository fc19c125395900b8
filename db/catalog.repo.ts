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

export async function insertElection(
  db: Queryable,
  e: { slug: string; nameRu: string; nameEn: string; country: string; votingStartsOn: string; votingEndsOn: string },
): Promise<ElectionRow> {
  const { rows } = await db.query<ElectionRow>(
    `INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ELECTION_COLUMNS}`,
    [e.slug, e.nameRu, e.nameEn, e.country, e.votingStartsOn, e.votingEndsOn],
  );
  return rows[0]!;
}

export async function setElectionActive(db: Queryable, id: number, active: boolean): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE elections SET active = $2 WHERE id = $1', [id, active]);
  return rowCount === 1;
}

export async function updateCategory(
  db: Queryable,
  code: string,
  c: { labelRu: string; labelEn: string; active: boolean },
): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE categories SET label_ru = $2, label_en = $3, active = $4 WHERE code = $1', [
    code,
    c.labelRu,
    c.labelEn,
    c.active,
  ]);
  return rowCount === 1;
}

/** New categories go last in their phase. */
export async function insertCategory(db: Queryable, c: { code: string; phaseCode: string; labelRu: string; labelEn: string }): Promise<void> {
  await db.query(
    `INSERT INTO categories (code, phase_code, position, label_ru, label_en)
     SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4 FROM categories WHERE phase_code = $2`,
    [c.code, c.phaseCode, c.labelRu, c.labelEn],
  );
}

export async function listPhases(db: Queryable): Promise<{ code: string; label_ru: string; label_en: string }[]> {
  const { rows } = await db.query<{ code: string; label_ru: string; label_en: string }>(
    'SELECT code, label_ru, label_en FROM category_phases ORDER BY position',
  );
  return rows;
}
