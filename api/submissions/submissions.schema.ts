import { z } from 'zod';
import { CLIENT_KEY } from '../../domain/submissions/submission.service';
import { UPLOAD_ID } from '../../domain/uploads/uploads.service';
import { fieldProblem } from '../../web/error-messages';

// Problems are said by the catalogue (web/error-messages.ts: each field's words, or a problem named here).

/**
 * A station number as people type it: "УИК 1234", "уик №1234", "№ 1234", "UIK 1234", "#1234" are
 * 1234 (the upload page's script says the same before sending, web/static/upload.js).
 */
export function normalizeStationNumber(raw: string): string {
  return raw
    .trim()
    .replace(/^(?:уик|uik)\.?\s*/iu, '')
    .replace(/^(?:№|no\.?|n|#)\s*/iu, '')
    .trim();
}

const optionalChoice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.enum(values).optional()).transform((v) => v ?? null);

/** A wall-clock time as a datetime-local input sends it; checked to be a real calendar time. */
const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/)
  .refine((s) => {
    const d = new Date(`${s.length === 16 ? `${s}:00` : s}Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, s.length) === s && d.getUTCFullYear() >= 1990;
  });

export const submissionFormSchema = z.object({
  election_id: z.coerce.number().int().positive(),
  region: z.string().trim().min(1).max(200),
  station_number: z.string().transform(normalizeStationNumber).pipe(z.string().regex(/^\d{1,6}$/)),
  category_code: z.string().regex(/^[a-z0-9_]{2,60}$/),
  description: z.string().trim().min(1).max(10000),
  happened_at: z.preprocess((v) => (v === '' ? undefined : v), localDateTime.optional()).transform((v) => v ?? null),
  reporter_role: optionalChoice(['observer', 'voter', 'commission_member', 'journalist', 'candidate'] as const),
  complaint_status: optionalChoice(['none', 'filed', 'answered'] as const),
});

export type SubmissionForm = z.infer<typeof submissionFormSchema>;

const clientKey = z.string().regex(CLIENT_KEY);

/** The form as the page without JavaScript sends it: the key the form was rendered with, if any. */
export const formPostSchema = submissionFormSchema.extend({
  idempotency_key: z.preprocess((v) => (v === '' ? undefined : v), clientKey.optional()),
});

/** A submission of finished resumable uploads (JSON): the form's fields, the sender's key and the uploads in order. */
export const uploadsSubmissionSchema = (maxFiles: number) =>
  submissionFormSchema.extend({
    idempotency_key: clientKey,
    uploads: z
      .array(z.string().regex(UPLOAD_ID))
      .min(1)
      .max(maxFiles, fieldProblem('too_many_files'))
      .refine((ids) => new Set(ids).size === ids.length, fieldProblem('upload_named_twice')),
  });
