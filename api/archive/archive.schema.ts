import { z } from 'zod';

export const archiveQuery = z.object({ after: z.string().max(200).optional(), lang: z.string().optional() });
export const entryParams = z.object({ id: z.uuid('This id is malformed.') });
export const publicFileParams = z.object({
  id: z.uuid('This id is malformed.'),
  variant: z.enum(['thumb.jpg', 'preview.jpg', 'published.jpg'], { error: 'Unknown file variant.' }),
});
