import { z } from 'zod';
import { UPLOAD_ID } from '../../domain/uploads/uploads.service';

/** The observer's answer to a moderator's question, as the receipt page's form sends it (no JavaScript). */
export const answerFormSchema = z.object({
  question_id: z.string({ error: 'This question is no longer open.' }).uuid('This question is no longer open.'),
  body: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string().max(10000, 'The answer may be at most 10 000 characters.').optional())
    .transform((v) => v || null),
});

/** The same answer with its files sent first as resumable uploads (api/uploads), named in order (JSON). */
export const answerUploadsSchema = (maxFiles: number) =>
  answerFormSchema.extend({
    uploads: z
      .array(z.string().regex(UPLOAD_ID, 'Not an upload id.'))
      .max(maxFiles, `At most ${maxFiles} files can be sent at once.`)
      .refine((ids) => new Set(ids).size === ids.length, 'An upload is named twice.')
      .default([]),
  });
