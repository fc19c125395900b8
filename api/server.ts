import { createServer, type Server } from 'node:http';
import { hasAccounts, watchSessionChanges } from '../domain/accounts/accounts.service';
import { prepareTotpSecrets } from '../domain/accounts/totp-vault.service';
import type { AppContext } from '../domain/context';
import { assertLogOriginUnchanged, recordPromiseKey } from '../domain/transparency/log.service';
import { createApp } from './app';
import { useClientKeySalt } from './middleware/client-key';
import { siteUrlFor } from './site-url';
import { startUploadSweep } from './uploads/uploads.routes';

/**
 * Starts the HTTP server (after checking the TOTP key opens the stored secrets); on a start with no
 * accounts it says how to get the one-time first-admin link (the link itself, a live secret, is
 * never logged). It listens before the app is built: without PUBLIC_URL the site's address is the
 * one it listens on.
 */
export async function startApiServer(ctx: AppContext): Promise<{ server: Server; url: string }> {
  await prepareTotpSecrets(ctx);
  await assertLogOriginUnchanged(ctx);
  await recordPromiseKey(ctx);
  // Several API processes behind a load balancer count a client once only if they make its key alike.
  if (ctx.rateLimits.shared) useClientKeySalt(await ctx.rateLimits.clientKeySalt());
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.config.port, ctx.config.host, () => resolve());
  });
  const address = server.address();
  const url = siteUrlFor(ctx.config, typeof address === 'object' && address ? address.port : ctx.config.port);
  server.on('request', createApp(ctx, url));
  server.once('close', startUploadSweep(ctx));
  const stopSessionWatch = watchSessionChanges(ctx);
  server.once('close', () => void stopSessionWatch());
  // Generous timeouts: an observer on a bad network may take many minutes to send a video.
  server.requestTimeout = 60 * 60_000;
  server.headersTimeout = 60_000;
  if (!(await hasAccounts(ctx))) {
    ctx.log.warn('No accounts yet: run `npm run setup-link` on this machine (Docker: `docker compose exec api npm run setup-link`) for the one-time link that creates the first admin');
  }
  return { server, url };
}
