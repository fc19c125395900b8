import { parseArgs } from 'node:util';
import { z } from 'zod';
import { siteUrlFor } from '../api/site-url';
import { loadConfigOrExit } from '../domain/config';
import type { AppContext } from '../domain/context';
import { AppError } from '../domain/errors';
import { createContext, orExit } from '../infra/compose';
import { errorText } from '../web/error-messages';

/** What an account command says it did, and the one-time password link it made. */
export type IssuedLink = { said: string; token: string };

/**
 * The frame of the account commands (user:create, user:password-link): string options checked by
 * their schema (exit 2 with the usage), a context for the work, the password link printed, and a
 * refusal (AppError) printed as one line with exit code 1.
 */
export async function runAccountCommand<Shape extends z.ZodRawShape>(
  command: { name: string; usage: string; options: Shape },
  work: (ctx: AppContext, options: z.infer<z.ZodObject<Shape>>) => Promise<IssuedLink>,
): Promise<void> {
  const usageError = (message: string) => {
    process.stderr.write(`${message}\n${command.usage}\n`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined> = {};
  try {
    ({ values } = parseArgs({ options: Object.fromEntries(Object.keys(command.options).map((name) => [name, { type: 'string' as const }])) }));
  } catch (err) {
    usageError((err as Error).message);
  }
  const parsed = z.object(command.options).safeParse(values);
  if (!parsed.success) return usageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, command.name));
  try {
    const { said, token } = await work(ctx, parsed.data);
    process.stdout.write(`${said}\nOne-time link to set the password (valid 3 days):\n${siteUrlFor(config, config.port)}/set-password/${token}\n`);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    process.stderr.write(`${errorText(err, 'en')}\n`);
    process.exitCode = 1;
  } finally {
    await ctx.close();
  }
}
