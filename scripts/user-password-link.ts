import { issuePasswordLinkByEmail } from '../domain/accounts/accounts.service';
import { email } from '../api/auth/auth.schema';
import { runAccountCommand } from './account-command';

/**
 * A new one-time link that sets the password of an existing account: a reset for a forgotten
 * password, or the invitation again when it was never used. Earlier unused links stop working.
 */
void runAccountCommand(
  { name: 'user-password-link', usage: 'usage: npm run user:password-link -- --email someone@example.org', options: { email } },
  async (ctx, options) => {
    const issued = await issuePasswordLinkByEmail(ctx, options.email);
    const what = issued.kind === 'reset' ? 'New password link' : 'Invitation made again';
    return { said: `${what} for ${issued.email}; earlier unused links no longer work.`, token: issued.token };
  },
);
