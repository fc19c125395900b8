import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createAccountWithLink } from '../domain/accounts/accounts.service';
import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { AppError } from '../domain/errors';
import { errorText } from '../web/error-messages';
import { siteUrlFor } from '../api/site-url';
import { email as emailSchema } from '../api/auth/auth.schema';

const USAGE = 'usage: npm run user:create -- --email someone@example.org --role moderator|admin';

/** Creates a moderator or admin and prints their one-time password-set link. */
async function main() {
  let values: { email?: string; role?: string };
  try {
    ({ values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const parsed = z.object({ email: emailSchema, role: z.enum(['moderator', 'admin']) }).safeParse(values);
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')}\n${USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, 'user-create'));
  try {
    const token = await createAccountWithLink(ctx, parsed.data.email, parsed.data.role);
    process.stdout.write(`Created ${parsed.data.role} ${parsed.data.email}.\nOne-time link to set the password (valid 3 days):\n${siteUrlFor(config, config.port)}/set-password/${token}\n`);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    process.stderr.write(`${errorText(err, 'en')}\n`);
    process.exitCode = 1;
  } finally {
    await ctx.close();
  }
}

void main();
