import type { Server } from 'node:http';
import { issueFirstAdminLinkIfNeeded } from '../domain/accounts/account.service';
import { prepareTotpSecrets } from '../domain/accounts/totp-vault';
import type { AppContext } from '../domain/context';
import { createApp } from './app';

export function baseUrl(ctx: AppContext, port: number): string {
  return ctx.config.publicUrl ?? `http://${ctx.config.host === '0.0.0.0' ? 'localhost' : ctx.config.host}:${port}`;
}

/**
 * Starts the HTTP server (after checking the TOTP key opens the stored secrets); on a start with no
 * accounts it logs the one-time first-admin link.
 */
export async function startApiServer(ctx: AppContext): Promise<{ server: Server; url: string }> {
  await prepareTotpSecrets(ctx);
  const app = createApp(ctx);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(ctx.config.port, ctx.config.host, () => resolve(s));
    s.once('error', reject);
  });
  // Generous timeouts: an observer on a bad network may take many minutes to send a video.
  server.requestTimeout = 60 * 60_000;
  server.headersTimeout = 60_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.config.port;
  const url = baseUrl(ctx, port);
  const token = await issueFirstAdminLinkIfNeeded(ctx);
  if (token) ctx.log.warn({ setup: `${url}/setup/${token}` }, 'No accounts yet: open this one-time link to create the first admin');
  return { server, url };
}
