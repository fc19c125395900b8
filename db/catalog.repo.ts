import type { Category, CategoryEdit, CategoryPhase, Election, NewCategory, NewElection } from '../domain/catalog/model';
import type { Queryable } from './pool';

export const ELECTION_COLUMNS = `id, slug, name_ru, name_en, country,
  to_char(voting_starts_on, 'YYYY-MM-DD') AS voting_starts_on,
  to_char(voting_ends_on, 'YYYY-MM-DD') AS voting_ends_on, active`;

export async function listElections(db: Queryable, onlyActive: boolean): Promise<Election[]> {
  const { rows } = await db.query<Election>(
    `SELECT ${ELECTION_COLUMNS} FROM elections WHERE active OR NOT $1 ORDER BY voting_ends_on DESC, id`,
    [onlyActive],
  );
  return rows;
}

export async function findElection(db: Queryable, id: number): Promise<Election | null> {
  // prepared by name: most public pages read their election, and planning was most of its cost
  const { rows } = await db.query<Election>({ name: 'catalog.find_election', text: `SELECT ${ELECTION_COLUMNS} FROM elections WHERE id = $1`, values: [id] });
  return rows[0] ?? null;
}

export async function listCategories(db: Queryable, onlyActive: boolean): Promise<Category[]> {
  const { rows } = await db.query<Category>(
    `SELECT c.code, c.phase_code, p.label_ru AS phase_label_ru, p.label_en AS phase_label_en,
            c.label_ru, c.label_en, c.active
       FROM categories c JOIN category_phases p ON p.code = c.phase_code
      WHERE c.active OR NOT $1
      ORDER BY p.position, c.position`,
    [onlyActive],
  );
  return rows;
}

export async function findCategory(db: Queryable, code: string): Promise<Category | null> {
  const { rows } = await db.query<Category>(
    `SELECT c.code, c.phase_code, p.label_ru AS phase_label_ru, p.label_en AS phase_label_en,
            c.label_ru, c.label_en, c.active
       FROM categories c JOIN category_phases p ON p.code = c.phase_code WHERE c.code = $1`,
    [code],
  );
  return rows[0] ?? null;
}

export async function insertElection(
  db: Queryable,
  e: NewElection,
): Promise<Election> {
  const { rows } = await db.query<Election>(
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
  c: CategoryEdit,
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
export async function insertCategory(db: Queryable, c: NewCategory): Promise<void> {
  await db.query(
    `INSERT INTO categories (code, phase_code, position, label_ru, label_en)
     SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4 FROM categories WHERE phase_code = $2`,
    [c.code, c.phaseCode, c.labelRu, c.labelEn],
  );
}

export async function listPhases(db: Queryable): Promise<CategoryPhase[]> {
  const { rows } = await db.query<CategoryPhase>(
    'SELECT code, label_ru, label_en FROM category_phases ORDER BY position',
  );
  return rows;
}
