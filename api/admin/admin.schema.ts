import { z } from 'zod';
import { ROLES } from '../../domain/accounts/model';

const label = (what: string) => z.string({ error: `Enter the ${what}.` }).trim().min(1, `Enter the ${what}.`).max(300, `The ${what} may be at most 300 characters.`);
const isoDate = (what: string) => z.iso.date({ error: `The ${what} must be a date (YYYY-MM-DD).` });
const checkbox = z.preprocess((v) => v === 'on' || v === 'true', z.boolean());

export const newElectionSchema = z.object({
  slug: z.string().trim().regex(/^[a-z0-9-]{3,80}$/, 'The short name is 3–80 lowercase letters, digits or dashes, e.g. ru-duma-2026.'),
  name_ru: label('Russian name'),
  name_en: label('English name'),
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'The country is a two-letter code, e.g. RU.'),
  voting_starts_on: isoDate('first voting day'),
  voting_ends_on: isoDate('last voting day'),
});

export const electionActiveSchema = z.object({ active: checkbox });
export const electionParams = z.object({ id: z.coerce.number({ error: 'This id is malformed.' }).int().positive('This id is malformed.') });

export const categoryParams = z.object({ code: z.string().regex(/^[a-z0-9_]{2,60}$/, 'This category code is malformed.') });
export const editCategorySchema = z.object({ label_ru: label('Russian label'), label_en: label('English label'), active: checkbox });
export const newCategorySchema = z.object({
  code: z.string().trim().regex(/^[a-z0-9_]{2,60}$/, 'The code is 2–60 lowercase letters, digits or underscores; it can never change later.'),
  phase_code: z.string().regex(/^[a-z_]{2,40}$/, 'Choose a phase.'),
  label_ru: label('Russian label'),
  label_en: label('English label'),
});

export const auditQuery = z.object({
  entity_type: z.string().regex(/^[a-z_]{2,40}$/, 'Unknown entity type.').optional(),
  entity_id: z.string().min(1).max(200).optional(),
  before: z.coerce.number({ error: 'The page link is malformed.' }).int().positive().optional(),
  verify: z.literal('1').optional(),
  lang: z.string().optional(),
});

const role = z.enum(ROLES, { error: 'Choose moderator or admin.' });
export const accountParams = z.object({ id: z.uuid('This account id is malformed.') });
export const newAccountSchema = z.object({
  email: z.string({ error: 'Enter the email.' }).trim().toLowerCase().max(254, 'The email is too long.').regex(/^[^@\s]+@[^@\s]+$/, 'Enter a valid email address.'),
  role,
});
export const roleSchema = z.object({ role });
export const disabledSchema = z.object({ disabled: checkbox });
export const requireTotpSchema = z.object({ require_totp: checkbox });
export const holdSchema = z.object({
  // <input type="datetime-local">, read as UTC (the page says so)
  polls_close_at: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'The closing time is a date and time (YYYY-MM-DDTHH:MM, UTC).').optional(),
  ).transform((v) => (v ? new Date(`${v}:00Z`) : null)).refine((d) => d === null || !Number.isNaN(d.getTime()), 'The closing time is not a real date.'),
  hold_publication: checkbox,
});
export const stationsImportSchema = z.object({ election_id: z.coerce.number({ error: 'Choose an election.' }).int().positive('Choose an election.') });
