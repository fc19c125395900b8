import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parse as parseCookies, serialize } from 'cookie';
import { findSessionUser, tokensEqual } from '../../domain/accounts/accounts.service';
import type { Role, SessionUser } from '../../domain/accounts/model';
import type { AppContext } from '../../domain/context';
import { forbidden, unauthorized } from '../../domain/errors';

export const SESSION_COOKIE = 'svid_session';
const ANON_CSRF_COOKIE = 'svid_csrf';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: SessionUser;
      sessionToken?: string;
      csrfToken: string;
      cookies: Record<string, string | undefined>;
    }
  }
}

/** Secure when configured, and whenever the request came over https (req.secure: directly, or said by a trusted proxy). */
export function setCookie(ctx: AppContext, res: Response, name: string, value: string, maxAgeMs: number | null): void {
  res.append(
    'Set-Cookie',
    serialize(name, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.config.cookieSecure || res.req.secure,
      path: '/',
      ...(maxAgeMs === null ? {} : { maxAge: Math.floor(maxAgeMs / 1000) }),
    }),
  );
}

/**
 * A response that sets a cookie, or whose page carries the browser's form token, belongs to one
 * browser: whatever cache lifetime the route chose, no shared cache may keep it (and hand the
 * cookie or token to everyone who asks next).
 */
function privateWhen(res: Response, carriesToken: () => boolean): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    if (this.hasHeader('Set-Cookie') || carriesToken()) this.setHeader('Cache-Control', 'private, no-store');
    return writeHead.apply(this, args);
  } as Response['writeHead'];
}

/** Cookies as an object: read before the rate limits, which must not cost a session look-up. */
export const readCookies: RequestHandler = (req, _res, next) => {
  req.cookies = parseCookies(req.headers.cookie ?? '');
  next();
};

/**
 * Loads the session (if any) and the CSRF token every form must echo: the session's own token
 * when logged in, else a random per-browser token in a SameSite=Strict cookie (double submit).
 * That cookie is set only when a page reads the token for a form (upload, login): public pages
 * stay cacheable without a Set-Cookie.
 */
export function loadSession(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    let tokenRead = false;
    privateWhen(res, () => tokenRead);
    const token = req.cookies[SESSION_COOKIE];
    if (token && token.length <= 100) {
      // A request that changes something always reads its session afresh (a revoked one changes nothing).
      const user = await findSessionUser(ctx, token, { fresh: !SAFE_METHODS.has(req.method) });
      if (user) {
        req.user = user;
        req.sessionToken = token;
      }
    }
    if (req.user) {
      req.csrfToken = req.user.csrfToken;
    } else {
      const sent = req.cookies[ANON_CSRF_COOKIE];
      let anon = sent && /^[A-Za-z0-9_-]{43}$/.test(sent) ? sent : null;
      Object.defineProperty(req, 'csrfToken', {
        configurable: true,
        get() {
          tokenRead = true;
          if (!anon) {
            anon = randomBytes(32).toString('base64url');
            setCookie(ctx, res, ANON_CSRF_COOKIE, anon, null);
          }
          return anon;
        },
      });
    }
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Throws unless a state-changing request carries the token: form field, header, or (multipart
 * forms of the admin pages) query. The upload form sends it as a field of its multipart body, so it
 * is checked after the body was read (the CSRF token never lands in a URL or the history).
 */
export function assertCsrf(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  const sent =
    (typeof req.body?._csrf === 'string' && req.body._csrf) ||
    req.get('x-csrf-token') ||
    (typeof req.query._csrf === 'string' && req.query._csrf) ||
    '';
  if (!sent || !tokensEqual(sent, req.csrfToken)) {
    throw forbidden('csrf');
  }
}

/** Every state-changing request must carry the token (assertCsrf). */
export function requireCsrf(req: Request, _res: Response, next: NextFunction): void {
  try {
    assertCsrf(req);
  } catch (err) {
    return next(err);
  }
  next();
}

/**
 * Refuses, before its body is read, a request a browser says came from another site (Sec-Fetch-Site):
 * for a form whose token can only be checked once the body is in (assertCsrf).
 */
export function refuseCrossSite(req: Request, _res: Response, next: NextFunction): void {
  if (req.get('sec-fetch-site') === 'cross-site') {
    return next(forbidden('csrf'));
  }
  next();
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.user) return next(unauthorized());
    if (req.user.needsTotpSetup) {
      return next(forbidden('totp_setup_required'));
    }
    if (!roles.includes(req.user.role)) return next(forbidden('forbidden'));
    next();
  };
}

/** Any logged-in account, also one that still has to set up two-factor login (its account page). */
export const requireLogin: RequestHandler = (req, _res, next) => next(req.user ? undefined : unauthorized());
