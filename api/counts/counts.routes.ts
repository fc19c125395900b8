import { Router, type Request } from 'express';
import { activeElections } from '../../domain/catalog/catalog.service';
import type { AppContext } from '../../domain/context';
import { notFound } from '../../domain/errors';
import * as counts from '../../domain/counts/counts.service';
import { rankingPage } from '../../web/pages/counts';
import { parse, parseParams } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { siteUrl } from '../site-url';
import { presentRanked, presentStationFigures, rankingCsv } from './counts.present';
import { rankingExportQuery, rankingQuery, stationFiguresParams } from './counts.schema';

/** What a GET form sends for a field left empty is no filter at all (as in the archive). */
const filled = (req: Request) => Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== ''));
const filterString = (q: { election?: number; region?: string; station?: string }) =>
  new URLSearchParams(Object.entries(q).filter(([k, v]) => v !== undefined && ['election', 'region', 'station'].includes(k)).map(([k, v]) => [k, String(v)])).toString();

/** The public side of counts: the ranked list with its charts and exports, and a station's figures as JSON. */
export function countsRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/counts', async (req, res) => {
    const q = parse(rankingQuery, filled(req));
    const [ranked, elections, distribution] = await Promise.all([
      counts.rankedPage(ctx, q),
      activeElections(ctx),
      q.election ? counts.electionDistribution(ctx, q.election) : Promise.resolve(null),
    ]);
    res.set('Cache-Control', `${req.user ? 'private' : 'public'}, max-age=30`);
    const pageAt = (offset: number) => `/counts?${new URLSearchParams([...new URLSearchParams(filterString(q)), ...(q.limit ? [['limit', String(q.limit)]] : []), ...(offset ? [['offset', String(offset)]] : [])]).toString()}`;
    const pager = { previous: ranked.previousOffset === null ? null : pageAt(ranked.previousOffset), next: ranked.nextOffset === null ? null : pageAt(ranked.nextOffset) };
    sendHtml(res, rankingPage(pageContext(ctx, req, res), { items: ranked.items.map(presentRanked), filters: q, elections, distribution, exportQuery: filterString(q), pager }));
  });

  router.get('/api/v1/counts/ranking', async (req, res) => {
    const q = parse(rankingQuery, filled(req));
    res.set('Cache-Control', 'public, max-age=30');
    res.json({ items: (await counts.rankedStations(ctx, q)).map(presentRanked) });
  });

  router.get('/api/v1/counts/export.:format', async (req, res) => {
    const format = req.params.format;
    if (format !== 'csv' && format !== 'json') throw notFound('export_format');
    const q = parse(rankingExportQuery, filled(req));
    const rows = await counts.rankedForExport(ctx, q);
    res.set('Cache-Control', 'no-store');
    res.attachment(`svidetel-discrepancies.${format}`);
    if (format === 'csv') res.type('text/csv; charset=utf-8').send(`\uFEFF${rankingCsv(rows, siteUrl(req))}`);
    else res.type('application/json; charset=utf-8').send(JSON.stringify(rows.map((r) => ({ ...presentRanked(r), discrepancies: r.discrepancies.map((d) => ({ entry_id: d.submission_id, kind: d.kind, subject: d.subject, official: d.official, observed: d.observed, uncertainty: d.uncertainty, difference: d.difference, beyond_uncertainty: d.excess })) }))));
  });

  router.get('/api/v1/counts/stations/:election/:number', async (req, res) => {
    const { election, number } = parseParams(stationFiguresParams, req);
    res.set('Cache-Control', 'public, max-age=30');
    res.json(presentStationFigures(election, number, await counts.stationFigures(ctx, election, number)));
  });

  return router;
}
