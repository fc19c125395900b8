import { z } from 'zod';
import { createAccountWithLink } from '../domain/accounts/accounts.service';
import { email } from '../api/auth/auth.schema';
import { runAccountCommand } from './account-command';

/** Creates a moderator or admin and prints their one-time password-set link. */
void runAccountCommand(
  {
    name: 'user-create',
    usage: 'usage: npm run user:create -- --email someone@example.org --role moderator|admin',
    options: { email, role: z.enum(['moderator', 'admin']) },
  },
  async (ctx, options) => ({
    said: `Created ${options.role} ${options.email}.`,
    token: await createAccountWithLink(ctx, options.email, options.role),
  }),
);
