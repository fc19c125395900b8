import { createServer, type Server } from 'node:http';
import { issueFirstAdminLinkIfNeeded } from '../domain/accounts/account.service';
import type { AppContext } from '../domain/context';
import { createApp } from './app';
import { siteUrlFor } from './site-url';

/**
 * Starts the HTTP server; on a start with no accounts it logs the one-time first-admin link.
 * It listens before the app is built: without PUBLIC_URL the site's address is the one it listens on.
 */
export async function startApiServer(ctx: AppContext): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.config.port, ctx.config.host, () => resolve());
  });
  const address = server.address();
  const url = siteUrlFor(ctx.config, typeof address === 'object' && address ? address.port : ctx.config.port);
  server.on('request', createApp(ctx, url));
  // Generous timeouts: an observer on a bad network may take many minutes to send a video.
  server.requestTimeout = 60 * 60_000;
  server.headersTimeout = 60_000;
  const token = await issueFirstAdminLinkIfNeeded(ctx);
  if (token) ctx.log.warn({ setup: `${url}/setup/${token}` }, 'No accounts yet: open this one-time link to create the first admin');
  return { server, url };
}
