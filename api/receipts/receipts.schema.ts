import { z } from 'zod';
import { UPLOAD_ID } from '../../domain/uploads/uploads.service';
import { fieldProblem } from '../../web/error-messages';

/** The observer's answer to a moderator's question, as the receipt page's form sends it (no JavaScript). */
export const answerFormSchema = z.object({
  question_id: z.uuid({ error: fieldProblem('question_closed') }),
  body: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string().max(10000, fieldProblem('text_too_long')).optional())
    .transform((v) => v || null),
});

/** The same answer with its files sent first as resumable uploads (api/uploads), named in order (JSON). */
export const answerUploadsSchema = (maxFiles: number) =>
  answerFormSchema.extend({
    uploads: z
      .array(z.string().regex(UPLOAD_ID))
      .max(maxFiles, fieldProblem('too_many_files'))
      .refine((ids) => new Set(ids).size === ids.length, fieldProblem('upload_named_twice'))
      .default([]),
  });
