import { issueFirstAdminLinkIfNeeded } from '../domain/accounts/accounts.service';
import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { siteUrlFor } from '../api/site-url';

/**
 * `npm run setup-link`: while the installation has no accounts, prints a one-time link (valid
 * 7 days; a new one replaces the last) that creates the first admin. Only whoever can run commands
 * on the server sees it: it is printed here, never logged.
 */
async function main() {
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, 'setup-link'));
  try {
    const token = await issueFirstAdminLinkIfNeeded(ctx);
    if (!token) {
      process.stderr.write('Accounts exist already. An admin creates more on /admin/accounts, or run: npm run user:create -- --email … --role moderator|admin\n');
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`One-time link to create the first admin (valid 7 days; a new one replaces it):\n${siteUrlFor(config, config.port)}/setup/${token}\n`);
  } finally {
    await ctx.close();
  }
}

void main();
