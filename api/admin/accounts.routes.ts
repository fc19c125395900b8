import { Router, type Request, type Response } from 'express';
import { accountsForAdmin, actorOf, createAccountWithLink, issuePasswordLink, setAccountDisabled, setAccountRole, setRequireTotp } from '../../domain/accounts/accounts.service';
import type { AppContext } from '../../domain/context';
import type { ShownError } from '../middleware/error-handler';
import { startFlagsBackfill } from '../../domain/processing/flags-backfill.service';
import { publicationHolds, setPublicationHold } from '../../domain/stations/stations.service';
import { accountsAdminPage, settingsAdminPage } from '../../web/pages/admin-workspace';
import { requireCsrf } from '../middleware/session';
import { parseBody, parseParams } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { siteUrl } from '../site-url';
import { accountParams, disabledSchema, electionParams, holdSchema, newAccountSchema, requireTotpSchema, roleSchema } from './admin.schema';

/** Accounts (create with a one-time link, re-role, disable), run-time settings and the flags back-fill; admins only (checked by adminRoutes). */
export function accountsRoutes(ctx: AppContext): Router {
  const router = Router();

  async function renderAccounts(req: Request, res: Response, extra: { error?: string; link?: string; linkFor?: { email: string; kind: 'reset' | 'invitation' } } = {}, status = 200) {
    sendHtml(res, accountsAdminPage(pageContext(ctx, req, res), { ...(await accountsForAdmin(ctx)), ...extra, self: req.user!.accountId }), status);
  }
  router.use('/admin/accounts', (req, res, next) => {
    res.locals.renderFormError = (err: ShownError) => renderAccounts(req, res, { error: err.message }, err.status);
    next();
  });
  router.get('/admin/accounts', (req, res) => renderAccounts(req, res));

  router.post('/admin/accounts', requireCsrf, async (req, res) => {
    const { email, role } = parseBody(newAccountSchema, req);
    const token = await createAccountWithLink(ctx, email, role, actorOf(req.user!));
    // Shown once, to the admin who passes it on; only its hash is stored.
    await renderAccounts(req, res, { link: `${siteUrl(req)}/set-password/${token}` }, 201);
  });

  // A forgotten password, or an invitation never used or expired: a new one-time link, shown once.
  router.post('/admin/accounts/:id/password-link', requireCsrf, async (req, res) => {
    const { id } = parseParams(accountParams, req);
    const issued = await issuePasswordLink(ctx, id, actorOf(req.user!));
    await renderAccounts(req, res, { link: `${siteUrl(req)}/set-password/${issued.token}`, linkFor: { email: issued.email, kind: issued.kind } }, 201);
  });

  router.post('/admin/accounts/:id/role', requireCsrf, async (req, res) => {
    const { id } = parseParams(accountParams, req);
    await setAccountRole(ctx, req.user!, id, parseBody(roleSchema, req).role);
    res.redirect(303, '/admin/accounts');
  });

  router.post('/admin/accounts/:id/disabled', requireCsrf, async (req, res) => {
    const { id } = parseParams(accountParams, req);
    await setAccountDisabled(ctx, req.user!, id, parseBody(disabledSchema, req).disabled);
    res.redirect(303, '/admin/accounts');
  });

  async function renderSettings(req: Request, res: Response, extra: { error?: string; backfillStarted?: { files: number } } = {}, status = 200) {
    const [{ settings }, holds] = await Promise.all([accountsForAdmin(ctx), publicationHolds(ctx)]);
    sendHtml(res, settingsAdminPage(pageContext(ctx, req, res), { settings, holds, ...extra }), status);
  }
  router.use('/admin/settings', (req, res, next) => {
    res.locals.renderFormError = (err: ShownError) => renderSettings(req, res, { error: err.message }, err.status);
    next();
  });
  router.get('/admin/settings', (req, res) => renderSettings(req, res));

  router.post('/admin/settings/totp', requireCsrf, async (req, res) => {
    await setRequireTotp(ctx, req.user!, parseBody(requireTotpSchema, req).require_totp);
    res.redirect(303, '/admin/settings');
  });

  router.post('/admin/settings/elections/:id/hold', requireCsrf, async (req, res) => {
    const { id } = parseParams(electionParams, req);
    const hold = parseBody(holdSchema, req);
    await setPublicationHold(ctx, req.user!, id, { pollsCloseAt: hold.polls_close_at, holdPublication: hold.hold_publication });
    res.redirect(303, '/admin/settings');
  });

  /** The settings page's button for POST /api/v1/admin/flags/backfill: the same start, answered with the page and how many files wait. */
  router.post('/admin/settings/flags-backfill', requireCsrf, async (req, res) => {
    await renderSettings(req, res, { backfillStarted: await startFlagsBackfill(ctx, req.user!) }, 202);
  });

  return router;
}
