import type { Request } from 'express';
import type { Config } from '../domain/config';

/**
 * The one source of this site's absolute address, for every link that leaves a page (feeds,
 * exports, canonical links, receipts' proof links, one-time account links). It is PUBLIC_URL, which
 * production requires; in development and test, the address the server listens on. Never a
 * request header: Host and X-Forwarded-* are the client's to choose, and a shared cache would
 * hand a forged link to everyone.
 */
export function siteUrlFor(config: Config, port: number): string {
  return config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set once by createApp, from siteUrlFor with the port the server listens on. */
      siteUrl: string;
    }
  }
}

/** The site's address for links in this request's answer. */
export const siteUrl = (req: Request): string => req.app.locals.siteUrl;
