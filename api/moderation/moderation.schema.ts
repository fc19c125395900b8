import { z } from 'zod';

export const idParams = z.object({ id: z.uuid('This id is malformed.') });
export const queueQuery = z.object({ after: z.string().max(200).optional(), lang: z.string().optional() });

export const decisionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('verify_publish') }),
  z.object({
    action: z.literal('reject'),
    reason: z.string({ error: 'Give a reason for the rejection.' }).trim().min(1, 'Give a reason for the rejection.').max(2000, 'The reason may be at most 2000 characters.'),
  }),
], { error: 'Choose verify & publish or reject.' });

export const fileVariantParams = z.object({
  id: z.uuid('This id is malformed.'),
  variant: z.enum(['thumb.jpg', 'preview.jpg', 'original'], { error: 'Unknown file variant.' }),
});
