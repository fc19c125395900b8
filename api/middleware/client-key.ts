import { createHmac, randomBytes } from 'node:crypto';
import type { Request } from 'express';

/** Drawn at start and never written anywhere: keys made with it cannot be turned back into addresses. */
const salt = randomBytes(32);

/**
 * A client's key for rate limits and caps: an HMAC of its address as the trusted-proxy setting
 * resolves it (req.ip), held in memory only, never logged or stored.
 */
export function clientKey(req: Request): string {
  return createHmac('sha256', salt).update(req.ip ?? '').digest('base64url').slice(0, 22);
}
