import { z } from 'zod';
import { ROLES } from '../../domain/accounts/model';
import { fieldProblem } from '../../web/error-messages';

// Problems are said by the catalogue (web/error-messages.ts: each field's words, or its problem's kind).
const label = z.string().trim().min(1).max(300);
const checkbox = z.preprocess((v) => v === 'on' || v === 'true', z.boolean());

export const newElectionSchema = z.object({
  slug: z.string().trim().regex(/^[a-z0-9-]{3,80}$/),
  name_ru: label,
  name_en: label,
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/),
  voting_starts_on: z.iso.date(),
  voting_ends_on: z.iso.date(),
});

export const electionActiveSchema = z.object({ active: checkbox });
export const electionParams = z.object({ id: z.coerce.number().int().positive() });

export const categoryParams = z.object({ code: z.string().regex(/^[a-z0-9_]{2,60}$/) });
export const editCategorySchema = z.object({ label_ru: label, label_en: label, active: checkbox });
export const newCategorySchema = z.object({
  code: z.string().trim().regex(/^[a-z0-9_]{2,60}$/),
  phase_code: z.string().regex(/^[a-z_]{2,40}$/),
  label_ru: label,
  label_en: label,
});

export const auditQuery = z.object({
  entity_type: z.string().regex(/^[a-z_]{2,40}$/).optional(),
  entity_id: z.string().min(1).max(200).optional(),
  before: z.coerce.number().int().positive().optional(),
  verify: z.literal('1').optional(),
  lang: z.string().optional(),
});

const role = z.enum(ROLES);
export const accountParams = z.object({ id: z.uuid() });
export const newAccountSchema = z.object({
  email: z.string().trim().toLowerCase().max(254).regex(/^[^@\s]+@[^@\s]+$/),
  role,
});
export const roleSchema = z.object({ role });
export const disabledSchema = z.object({ disabled: checkbox });
export const requireTotpSchema = z.object({ require_totp: checkbox });
export const holdSchema = z.object({
  // <input type="datetime-local">, read as UTC (the page says so)
  polls_close_at: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/).optional(),
  ).transform((v) => (v ? new Date(`${v}:00Z`) : null)).refine((d) => d === null || !Number.isNaN(d.getTime()), fieldProblem('real_date_time')),
  hold_publication: checkbox,
});
export const stationsImportSchema = z.object({ election_id: z.coerce.number().int().positive() });
