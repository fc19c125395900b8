import { z } from 'zod';
import { CLIENT_KEY } from '../../domain/submissions/submission.service';
import { UPLOAD_ID } from '../../domain/uploads/uploads.service';

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
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'Use the form YYYY-MM-DDTHH:MM.')
  .refine((s) => {
    const d = new Date(`${s.length === 16 ? `${s}:00` : s}Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, s.length) === s && d.getUTCFullYear() >= 1990;
  }, 'This is not a real date and time.');

export const submissionFormSchema = z.object({
  election_id: z.coerce.number({ error: 'Choose an election.' }).int('Choose an election.').positive('Choose an election.'),
  region: z.string({ error: 'Enter the region or country.' }).trim().min(1, 'Enter the region or country.').max(200, 'The region may be at most 200 characters.'),
  station_number: z.string({ error: 'Enter the polling-station number.' }).transform(normalizeStationNumber).pipe(z.string().regex(/^\d{1,6}$/, 'The polling-station number is 1 to 6 digits, e.g. 8050.')),
  category_code: z.string({ error: 'Choose what kind of violation this is.' }).regex(/^[a-z0-9_]{2,60}$/, 'Choose what kind of violation this is.'),
  description: z.string({ error: 'Describe what happened.' }).trim().min(1, 'Describe what happened.').max(10000, 'The description may be at most 10 000 characters.'),
  happened_at: z.preprocess((v) => (v === '' ? undefined : v), localDateTime.optional()).transform((v) => v ?? null),
  reporter_role: optionalChoice(['observer', 'voter', 'commission_member', 'journalist', 'candidate'] as const),
  complaint_status: optionalChoice(['none', 'filed', 'answered'] as const),
});

export type SubmissionForm = z.infer<typeof submissionFormSchema>;

const clientKey = z.string().regex(CLIENT_KEY, 'A submission key is 22 to 128 letters, digits, "-" or "_".');

/** The form as the page without JavaScript sends it: the key the form was rendered with, if any. */
export const formPostSchema = submissionFormSchema.extend({
  idempotency_key: z.preprocess((v) => (v === '' ? undefined : v), clientKey.optional()),
});

/** A submission of finished resumable uploads (JSON): the form's fields, the sender's key and the uploads in order. */
export const uploadsSubmissionSchema = (maxFiles: number) =>
  submissionFormSchema.extend({
    idempotency_key: clientKey,
    uploads: z
      .array(z.string().regex(UPLOAD_ID, 'Not an upload id.'), { error: 'Name the finished uploads.' })
      .min(1, 'Add at least one photo or video.')
      .max(maxFiles, `At most ${maxFiles} files can be sent at once.`)
      .refine((ids) => new Set(ids).size === ids.length, 'An upload is named twice.'),
  });
