import { parseArgs } from 'node:util';
import { z } from 'zod';
import { issuePasswordLinkByEmail } from '../domain/accounts/accounts.service';
import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { AppError } from '../domain/errors';
import { errorText } from '../web/error-messages';
import { siteUrlFor } from '../api/site-url';
import { email as emailSchema } from '../api/auth/auth.schema';

const USAGE = 'usage: npm run user:password-link -- --email someone@example.org';

/**
 * A new one-time link that sets the password of an existing account: a reset for a forgotten
 * password, or the invitation again when it was never used. Earlier unused links stop working.
 */
async function main() {
  let values: { email?: string };
  try {
    ({ values } = parseArgs({ options: { email: { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const parsed = z.object({ email: emailSchema }).safeParse(values);
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')}\n${USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, 'user-password-link'));
  try {
    const issued = await issuePasswordLinkByEmail(ctx, parsed.data.email);
    const what = issued.kind === 'reset' ? 'New password link' : 'Invitation made again';
    process.stdout.write(`${what} for ${issued.email}; earlier unused links no longer work.\nOne-time link to set the password (valid 3 days):\n${siteUrlFor(config, config.port)}/set-password/${issued.token}\n`);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    process.stderr.write(`${errorText(err, 'en')}\n`);
    process.exitCode = 1;
  } finally {
    await ctx.close();
  }
}

void main();
