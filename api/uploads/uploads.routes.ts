import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../../domain/context';
import { AppError } from '../../domain/errors';
import { expireUploads, newUploadId } from '../../domain/uploads/uploads.service';
import { requireCsrf } from '../middleware/session';
import { parse, parseParams } from '../middleware/validate';
import type { UploadGuards } from '../middleware/upload-guard';
import { beyondDeclaredLength, TempFileStore } from './temp-file-store';
import { UploadLocks } from './upload-locks';
import { chunkHeaders, creationHeaders, uploadParams } from './uploads.schema';

export const UPLOADS_PATH = '/api/v1/uploads';

const TUS_VERSION = '1.0.0';
// No creation-defer-length: the size limit is checked against the length declared at creation.
// No expiration header: the domain decides (a finished upload gets a fresh period to be submitted).
const TUS_EXTENSIONS = 'creation,creation-with-upload,termination';
const CHUNK_TYPE = 'application/offset+octet-stream';

/**
 * Resumable uploads, tus 1.0.0 core with creation, creation-with-upload and termination
 * (https://tus.io/protocols/resumable-upload): POST creates an upload of a declared length, PATCH
 * appends at the offset HEAD reports, DELETE gives it up. Each file is sent on its own and resumes
 * from the last byte the server has; a submission then names the finished uploads (POST
 * /api/v1/submissions). Same-origin only: no CORS headers, and the CSRF token on every request that
 * changes something. Errors are the API's JSON in the client's language, as everywhere under /api.
 * The body goes from the socket to the temp file through two pass-through stages (type check, hash):
 * no web streams, no per-chunk work that grows with the file.
 */
export function uploadsRoutes(ctx: AppContext, guards: UploadGuards): Router {
  const store = new TempFileStore(ctx);
  const locks = new UploadLocks();

  /** Every answer says the protocol version; every request but OPTIONS must speak it. */
  const tusVersion: RequestHandler = (req, res, next) => {
    res.set('Tus-Resumable', TUS_VERSION);
    if (req.method === 'OPTIONS' || req.get('tus-resumable') === TUS_VERSION) return next();
    res.set('Tus-Version', TUS_VERSION);
    if (!req.complete) res.set('Connection', 'close'); // as closingOnRefusal below
    next(new AppError(412, 'tus_version', { version: TUS_VERSION }));
  };

  /** Holds the upload while `work` runs; a newer request for it makes `work`'s `stop` fire (see UploadLocks). */
  async function holding<T>(id: string, work: (stop: AbortSignal) => Promise<T>): Promise<T> {
    const stopper = new AbortController();
    const release = await locks.take(id, () => stopper.abort());
    try {
      return await work(stopper.signal);
    } finally {
      release();
    }
  }

  /**
   * Receives a request's body at the offset the client claims, which must be the stored one (409
   * otherwise, nothing changed), and answers with the new offset. A request made to give way answers
   * what it received and closes the connection: the rest of its body was never read.
   */
  async function receiveBody(req: Request, res: Response, id: string, claimedOffset: number, bodyBytes: number | undefined, status: number): Promise<void> {
    const { offset, stopped } = await holding(id, async (stop) => {
      const upload = await store.find(id);
      const stored = await store.storedBytes(upload);
      if (claimedOffset !== stored) {
        throw new AppError(409, 'upload_offset_conflict', { stored, claimed: claimedOffset });
      }
      if (bodyBytes !== undefined && stored + bodyBytes > upload.declaredBytes) throw beyondDeclaredLength();
      // Complete already (an answer lost on the way): nothing to write, the offset is the answer.
      if (upload.sha256) return { offset: stored, stopped: false };
      return { offset: await store.receive(req, upload, stored, stop), stopped: stop.aborted };
    });
    if (stopped) res.set('Connection', 'close');
    res.set('Upload-Offset', String(offset)).status(status).end();
  }

  /**
   * A request refused before its body was read closes its connection after the answer: kept alive,
   * the connection would carry the rest of the body for nothing (a whole file after a 409).
   */
  const closingOnRefusal =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await handler(req, res);
      } catch (err) {
        if (!req.complete) res.set('Connection', 'close');
        throw err;
      }
    };

  const create = async (req: Request, res: Response) => {
    const headers = parse(creationHeaders, req.headers);
    const id = newUploadId();
    await store.create(id, headers['upload-length'] ?? -1, headers['upload-metadata'] ?? '');
    res.set('Location', `${UPLOADS_PATH}/${id}`);
    if (req.get('content-type') === CHUNK_TYPE) return receiveBody(req, res, id, 0, headers['content-length'], 201); // creation-with-upload
    res.status(201).end();
  };

  const offsetOf = async (req: Request, res: Response) => {
    const { id } = parseParams(uploadParams, req);
    const { upload, offset } = await holding(id, async () => {
      const upload = await store.find(id);
      return { upload, offset: await store.storedBytes(upload) };
    });
    res.set({
      'Cache-Control': 'no-store',
      'Upload-Offset': String(offset),
      'Upload-Length': String(upload.declaredBytes),
      'Upload-Metadata': `filename ${Buffer.from(upload.originalName, 'utf8').toString('base64')}`,
    });
    res.status(200).end();
  };

  const append = async (req: Request, res: Response) => {
    const headers = parse(chunkHeaders, req.headers);
    if (req.get('content-type') !== CHUNK_TYPE) {
      throw new AppError(415, 'upload_content_type', { type: CHUNK_TYPE });
    }
    await receiveBody(req, res, parseParams(uploadParams, req).id, headers['upload-offset'], headers['content-length'], 204);
  };

  const terminate = async (req: Request, res: Response) => {
    const { id } = parseParams(uploadParams, req);
    await holding(id, async () => store.remove(await store.find(id)));
    res.status(204).end();
  };

  const capabilities = (_req: Request, res: Response) => {
    res.set({ 'Tus-Version': TUS_VERSION, 'Tus-Extension': TUS_EXTENSIONS, 'Tus-Max-Size': String(Math.max(ctx.config.maxPhotoBytes, ctx.config.maxVideoBytes)) });
    res.status(204).end();
  };

  const router = Router();
  const one = `${UPLOADS_PATH}/:id`;
  router.options(UPLOADS_PATH, tusVersion, capabilities);
  router.options(one, tusVersion, capabilities);
  router.post(UPLOADS_PATH, requireCsrf, guards.newUpload, tusVersion, closingOnRefusal(create));
  router.head(one, tusVersion, offsetOf);
  router.patch(one, requireCsrf, guards.moreBytes, tusVersion, closingOnRefusal(append));
  router.delete(one, requireCsrf, tusVersion, terminate);
  return router;
}

/** Removes expired uploads every so often (a quarter of the expiry period, between 1 s and 1 min); returns the stop. */
export function startUploadSweep(ctx: AppContext): () => void {
  const sweep = () =>
    expireUploads(ctx).then(
      (removed) => removed > 0 && ctx.log.info({ removed }, 'expired resumable uploads removed'),
      (err: Error) => ctx.log.warn({ err: err.message }, 'could not remove expired uploads; will try again'),
    );
  const timer = setInterval(() => void sweep(), Math.min(60_000, Math.max(1000, ctx.config.uploadExpiryMs / 4)));
  timer.unref();
  return () => clearInterval(timer);
}
