/**
 * Database roles (db/migrations/001_baseline.sql): the application's login role must be, or be a member of,
 * svidetel_app, and must be able to bypass nothing.
 */
import type { Queryable } from './pool';

/** The role the baseline migration grants to. */
export const APP_ROLE = 'svidetel_app';
/** The worker's role (migration 003): svidetel_app's grants, and the only one that may write signed heads and the log's key. */
export const SIGNER_ROLE = 'svidetel_signer';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Run as the owner: makes a login role other than `role` (svidetel_app or svidetel_signer) a member
 * of it. The login role itself is the operator's to create (with its password); false when it does not exist.
 */
export async function grantRoleTo(db: Queryable, login: string, role: typeof APP_ROLE | typeof SIGNER_ROLE): Promise<boolean> {
  if (login === role) return true;
  const { rows } = await db.query<{ member: boolean }>('SELECT pg_has_role($1, $2, $3) AS member FROM pg_roles WHERE rolname = $1', [login, role, 'MEMBER']);
  if (rows.length === 0) return false;
  if (!rows[0]!.member) await db.query(`GRANT ${role} TO ${quoteIdent(login)}`);
  return true;
}

export type SessionRole = { name: string; superuser: boolean; bypassesRls: boolean; ownsTables: number; isApp: boolean };

/** What the connected role could bypass: the application refuses to run as anything more than svidetel_app. */
export async function sessionRole(db: Queryable): Promise<SessionRole> {
  const { rows } = await db.query<{ name: string; superuser: boolean; bypasses_rls: boolean; owns_tables: string; is_app: boolean }>(
    `SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypasses_rls,
            (SELECT count(*) FROM pg_class c WHERE pg_has_role(current_user, c.relowner, 'USAGE') AND c.relnamespace = 'public'::regnamespace) AS owns_tables,
            pg_has_role(current_user, $1, 'MEMBER') AS is_app
       FROM pg_roles r WHERE r.rolname = current_user`,
    [APP_ROLE],
  );
  const r = rows[0]!;
  return { name: r.name, superuser: r.superuser, bypassesRls: r.bypasses_rls, ownsTables: Number(r.owns_tables), isApp: r.is_app };
}
