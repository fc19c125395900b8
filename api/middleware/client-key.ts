import { createHmac, randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Request } from 'express';

/**
 * Drawn at start and never written by us: keys made with it cannot be turned back into addresses.
 * API processes that share rate-limit counters share it too (useClientKeySalt, from ctx.rateLimits).
 */
let salt: Buffer = randomBytes(32);

export function useClientKeySalt(shared: Buffer): void {
  salt = shared;
}

/**
 * The block one subscriber controls: an IPv4 address, or an IPv6 /64 (a provider hands a whole
 * /64 to one line, and its holder may use any address in it, so each would otherwise be a fresh quota).
 */
export function addressBlock(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const address = ip.replace(/%.*$/, ''); // a zone id names a local interface, not a client
  if (!isIPv6(address)) return ip;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * A client's key for rate limits and caps: an HMAC of its address block as the trusted-proxy
 * setting resolves it (req.ip), held in memory only, never logged or stored.
 */
export function clientKey(req: Pick<Request, 'ip'>): string {
  return createHmac('sha256', salt).update(addressBlock(req.ip ?? '')).digest('base64url').slice(0, 22);
}
