import { Router, type Request, type Response } from 'express';
import {
  createFirstAdmin,
  disableTotp,
  enableTotp,
  isValidAccountToken,
  logIn,
  logOut,
  newTotpSetup,
  ownSessions,
  revokeOwnSession,
  setPasswordWithToken,
} from '../../domain/accounts/accounts.service';
import type { AppContext } from '../../domain/context';
import { AppError } from '../../domain/errors';
import type { ShownError } from '../middleware/error-handler';
import { accountPage } from '../../web/pages/account';
import { loginPage, passwordFormPage } from '../../web/pages/auth';
import { clientKey } from '../middleware/client-key';
import { requireCsrf, requireLogin, SESSION_COOKIE, setCookie } from '../middleware/session';
import { parseBody, parseParams } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { loginSchema, sessionParams, setPasswordSchema, setupSchema, tokenParams, totpDisableSchema, totpEnableSchema } from './auth.schema';

const linkInvalid = () =>
  new AppError(410, 'link_invalid');

export function authRoutes(ctx: AppContext): Router {
  const router = Router();

  const showForm = (render: (req: Request, res: Response, error: string, status: number) => void) =>
    (req: Request, res: Response, next: () => void) => {
      res.locals.renderFormError = (err: ShownError) => render(req, res, err.message, err.status);
      next();
    };

  const renderLogin = (req: Request, res: Response, error?: string, status = 200) =>
    sendHtml(res, loginPage(pageContext(ctx, req, res), { email: req.body?.email, error }), status);

  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, '/moderation');
    const notice = req.query.done === '1' ? pageContext(ctx, req, res).t('setup_done') : undefined;
    sendHtml(res, loginPage(pageContext(ctx, req, res), { notice }));
  });

  router.post('/login', showForm(renderLogin), requireCsrf, async (req, res) => {
    const { email, password, code } = parseBody(loginSchema, req);
    const session = await logIn(ctx, clientKey(req), email, password, code);
    setCookie(ctx, res, SESSION_COOKIE, session.token, session.expiresAt.getTime() - Date.now());
    res.redirect(303, session.needsTotpSetup ? '/account' : '/moderation');
  });

  router.post('/logout', requireCsrf, async (req, res) => {
    if (req.sessionToken && req.user) await logOut(ctx, req.sessionToken, req.user);
    setCookie(ctx, res, SESSION_COOKIE, '', 0);
    res.redirect(303, '/');
  });

  const renderSetup = (req: Request, res: Response, error?: string, status = 200) =>
    sendHtml(
      res,
      passwordFormPage(pageContext(ctx, req, res), { kind: 'setup', action: req.originalUrl.split('?')[0]!, email: req.body?.email, error }),
      status,
    );

  router.get('/setup/:token', async (req, res) => {
    const { token } = parseParams(tokenParams, req);
    if (!(await isValidAccountToken(ctx, token, 'first_admin'))) throw linkInvalid();
    renderSetup(req, res);
  });

  router.post('/setup/:token', showForm(renderSetup), requireCsrf, async (req, res) => {
    const { token } = parseParams(tokenParams, req);
    const { email, password } = parseBody(setupSchema, req);
    await createFirstAdmin(ctx, token, email, password);
    res.redirect(303, '/login?done=1');
  });

  const renderSetPassword = (req: Request, res: Response, error?: string, status = 200) =>
    sendHtml(res, passwordFormPage(pageContext(ctx, req, res), { kind: 'set_password', action: req.originalUrl.split('?')[0]!, error }), status);

  router.get('/set-password/:token', async (req, res) => {
    const { token } = parseParams(tokenParams, req);
    if (!(await isValidAccountToken(ctx, token, 'set_password'))) throw linkInvalid();
    renderSetPassword(req, res);
  });

  router.post('/set-password/:token', showForm(renderSetPassword), requireCsrf, async (req, res) => {
    const { token } = parseParams(tokenParams, req);
    const { password } = parseBody(setPasswordSchema, req);
    await setPasswordWithToken(ctx, token, password);
    res.redirect(303, '/login?done=1');
  });

  // The account page: one's own sessions (revocable) and two-factor login.
  const renderAccount = async (req: Request, res: Response, error?: string, status = 200, setup = newTotpSetup(req.user!)) => {
    res.set('Cache-Control', 'no-store');
    sendHtml(res, accountPage(pageContext(ctx, req, res), { ...(await ownSessions(ctx, req.user!, req.sessionToken!)), setup, error, mustSetUp: req.user!.needsTotpSetup }), status);
  };
  const accountForm = (req: Request, res: Response, next: () => void) => {
    res.locals.renderFormError = (err: ShownError) => renderAccount(req, res, err.message, err.status);
    next();
  };
  router.get('/account', requireLogin, (req, res) => renderAccount(req, res));

  router.post('/account/sessions/:id/revoke', requireLogin, accountForm, requireCsrf, async (req, res) => {
    const { id } = parseParams(sessionParams, req);
    await revokeOwnSession(ctx, req.user!, id);
    res.redirect(303, '/account');
  });

  router.post('/account/totp', requireLogin, accountForm, requireCsrf, async (req, res) => {
    const { secret, code } = parseBody(totpEnableSchema, req);
    res.locals.renderFormError = (err: ShownError) => renderAccount(req, res, err.message, err.status, newTotpSetupFor(req, secret));
    await enableTotp(ctx, req.user!, secret, code);
    res.redirect(303, '/account');
  });

  router.post('/account/totp/disable', requireLogin, accountForm, requireCsrf, async (req, res) => {
    const { code } = parseBody(totpDisableSchema, req);
    await disableTotp(ctx, req.user!, code);
    res.redirect(303, '/account');
  });

  return router;
}

/** A refused setup keeps the secret the person already added to their app. */
function newTotpSetupFor(req: Request, secret: string) {
  const fresh = newTotpSetup(req.user!);
  return { secret, uri: fresh.uri.replace(/secret=[A-Z2-7]+/, `secret=${secret}`) };
}
