import type { AppSettings, PublicationHold } from '../domain/settings/model';
import type { Queryable } from './pool';

export async function readSettings(db: Queryable): Promise<AppSettings> {
  const { rows } = await db.query<AppSettings>('SELECT require_totp FROM app_settings WHERE id');
  return rows[0]!;
}

export async function setRequireTotp(db: Queryable, required: boolean): Promise<void> {
  await db.query('UPDATE app_settings SET require_totp = $1 WHERE id', [required]);
}

export async function listPublicationHolds(db: Queryable): Promise<PublicationHold[]> {
  const { rows } = await db.query<PublicationHold>(
    'SELECT id, slug, name_ru, name_en, polls_close_at, hold_publication FROM elections ORDER BY voting_ends_on DESC, id',
  );
  return rows;
}

export async function findPublicationHold(db: Queryable, electionId: number): Promise<PublicationHold | null> {
  const { rows } = await db.query<PublicationHold>(
    'SELECT id, slug, name_ru, name_en, polls_close_at, hold_publication FROM elections WHERE id = $1',
    [electionId],
  );
  return rows[0] ?? null;
}

export async function setPublicationHold(db: Queryable, electionId: number, hold: { pollsCloseAt: Date | null; holdPublication: boolean }): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE elections SET polls_close_at = $2, hold_publication = $3 WHERE id = $1', [
    electionId,
    hold.pollsCloseAt,
    hold.holdPublication,
  ]);
  return rowCount === 1;
}
