import { Router, type Response } from 'express';
import type { AppContext } from '../../domain/context';
import * as log from '../../domain/transparency/log.service';
import { readTile } from '../../domain/transparency/tiles.service';
import { parseParams, parseQuery } from '../middleware/validate';
import { bundleQuery, consistencyQuery, inclusionQuery, leavesQuery, sthParams, sthsQuery } from './log.schema';

/** Signed heads at a size and proofs between signed sizes never change; the latest head does. */
const immutable = (res: Response) => res.set('cache-control', 'public, max-age=31536000, immutable');
const fresh = (res: Response) => res.set('cache-control', 'no-cache');

/** The public transparency log: read-only, no session needed, JSON (the key also as plain text). */
export function logRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/api/v1/log/sth', async (_req, res) => {
    fresh(res).json(await log.latestSth(ctx));
  });

  router.get('/api/v1/log/sth/:size', async (req, res) => {
    const { size } = parseParams(sthParams, req);
    immutable(res).json(await log.sthAt(ctx, size));
  });

  router.get('/api/v1/log/sths', async (req, res) => {
    const { before, limit } = parseQuery(sthsQuery, req);
    fresh(res).json({ items: await log.listSths(ctx, { before, limit }) });
  });

  router.get('/api/v1/log/proof/inclusion', async (req, res) => {
    const q = parseQuery(inclusionQuery, req);
    immutable(res).json(await log.inclusionProofFor(ctx, q.leaf_hash, q.tree_size));
  });

  router.get('/api/v1/log/proof/consistency', async (req, res) => {
    const q = parseQuery(consistencyQuery, req);
    immutable(res).json(await log.consistencyProof(ctx, q.first, q.second));
  });

  router.get('/api/v1/log/proof/bundle', async (req, res) => {
    const q = parseQuery(bundleQuery, req);
    fresh(res).json(await log.proofBundle(ctx, q.leaf_hash));
  });

  router.get('/api/v1/log/leaves', async (req, res) => {
    const q = parseQuery(leavesQuery, req);
    // Not immutable: a leaf's record appears once its submission is published.
    fresh(res).json(await log.leaves(ctx, q.start, q.end));
  });

  // C2SP tlog-tiles at the prefix https://<host>/log, which the origin <host>/log names.
  router.get('/log/checkpoint', async (_req, res) => {
    res.set('cache-control', 'public, max-age=5').type('text/plain; charset=utf-8').send(await log.latestCheckpointNote(ctx));
  });

  router.get('/log/tile/*path', async (req, res) => {
    const segments = (req.params as { path: string[] }).path;
    const bytes = await readTile(ctx, ['tile', ...segments].join('/'));
    immutable(res).type('application/octet-stream').send(bytes);
  });

  router.get('/api/v1/log/key', async (_req, res) => {
    res.json(await log.publicKey(ctx));
  });

  router.get('/.well-known/svidetel-log-key', async (_req, res) => {
    res.type('text/plain').send(`${(await log.publicKey(ctx)).vkey}\n`);
  });

  return router;
}
