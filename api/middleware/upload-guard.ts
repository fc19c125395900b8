import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppContext } from '../../domain/context';
import { AppError, serviceBusy } from '../../domain/errors';
import { ensureRoomForUpload } from '../../domain/submissions/disk-space';
import { clientKey } from './client-key';
import { routePattern } from './request-log';

/** What a refused client is told to wait when uploads in progress are at their cap. */
const BUSY_RETRY_SECONDS = 30;
/**
 * A refused client is usually still sending: closing at once would reset the connection and lose
 * the answer, so what it sends is discarded for this long after the answer (nginx's lingering
 * close), then the connection is cut.
 */
const REFUSED_LINGER_MS = 5000;

/**
 * Uploads in progress, server-wide and per client key; a slot is held until the response closes.
 * At the server-wide cap, a client with nothing in progress still gets a slot from a reserve (a
 * quarter of the cap): whoever holds many slow connections from a few addresses cannot shut out
 * everyone else until the data-rate watch below ends them.
 */
class UploadSlots {
  private total = 0;
  private readonly byClient = new Map<string, number>();
  private readonly reserve: number;

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerClient: number,
  ) {
    this.reserve = Math.ceil(maxTotal / 4);
  }

  /** Takes a slot, or returns the error that refuses this upload. */
  take(key: string): AppError | null {
    const mine = this.byClient.get(key) ?? 0;
    if (this.total >= this.maxTotal + (mine === 0 ? this.reserve : 0)) {
      return serviceBusy('uploads_busy', BUSY_RETRY_SECONDS);
    }
    if (mine >= this.maxPerClient) {
      return new AppError(429, 'uploads_in_progress', { n: mine }, undefined, BUSY_RETRY_SECONDS);
    }
    this.total += 1;
    this.byClient.set(key, mine + 1);
    return null;
  }

  give(key: string): void {
    this.total -= 1;
    const mine = (this.byClient.get(key) ?? 1) - 1;
    if (mine > 0) this.byClient.set(key, mine);
    else this.byClient.delete(key);
  }
}

/**
 * Cuts off a request body that stalls (no byte for stallMs) or, once it has been sending for
 * stallMs, averages under minBytesPerSecond (as Kestrel's minimum data rate and nginx's client_body_timeout).
 * Counts the socket's bytes, so the body is not touched; time the server itself stopped reading
 * (back-pressure from the disk) is not held against the client. Every body is watched, not only
 * uploads: a login form or an image for the similar-image look-up sent a byte at a time would
 * otherwise hold its connection until the server's one-hour request timeout.
 */
function watchBodyRate(ctx: AppContext, req: Request): void {
  const { uploadStallMs: stallMs, uploadMinBytesPerSecond: minRate } = ctx.config;
  const socket = req.socket;
  const startBytes = socket.bytesRead;
  let lastBytes = startBytes;
  let lastTick = Date.now();
  let lastProgress = lastTick;
  let sendingMs = 0;
  const timer = setInterval(
    () => {
      const now = Date.now();
      const bytes = socket.bytesRead;
      if (req.readableFlowing === false || bytes > lastBytes) lastProgress = now;
      if (req.readableFlowing !== false) sendingMs += now - lastTick;
      lastBytes = bytes;
      lastTick = now;
      const stalled = now - lastProgress > stallMs;
      const tooSlow = sendingMs > stallMs && ((bytes - startBytes) * 1000) / sendingMs < minRate;
      if (!stalled && !tooSlow) return;
      stop();
      ctx.log.warn({ route: routePattern(req), bytes: bytes - startBytes, seconds: Math.round(sendingMs / 1000), stalled }, 'request cut off: its body stalled or came in under the minimum rate');
      req.destroy(new AppError(408, 'upload_too_slow'));
    },
    Math.min(1000, stallMs / 4),
  );
  timer.unref();
  const stop = () => clearInterval(timer);
  req.once('end', stop);
  req.once('close', stop);
}

/** Lets the answer reach a client still sending its body, then cuts it off if it has not finished. */
function cutOffAfterAnswer(req: Request, res: Response): void {
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => req.socket.destroy(), REFUSED_LINGER_MS).unref();
    req.once('close', () => clearTimeout(timer));
    req.once('end', () => clearTimeout(timer));
  });
}

/** The guards of the upload endpoints; they share one count of uploads in progress. */
export type UploadGuards = {
  /** Before a new upload's body (a multipart submission, or a resumable upload's creation): every check. */
  newUpload: RequestHandler;
  /** Before more bytes of a resumable upload already counted at its creation: every check but the per-minute count. */
  moreBytes: RequestHandler;
};

/**
 * Run before an upload body is read: they refuse it when the disk is below its reserve (507), when
 * uploads in progress are at the server-wide (503) or per-client (429) cap, or (a new upload only)
 * when the client has started too many uploads this minute (429); bodyRateWatch watches its data
 * rate. A refused body is never stored or parsed, only discarded for a few seconds so that the
 * answer arrives. A resumable upload's size is the length it declares (Upload-Length), not the body's.
 */
export function uploadGuards(ctx: AppContext): UploadGuards {
  const slots = new UploadSlots(ctx.config.maxConcurrentUploads, ctx.config.maxConcurrentUploadsPerClient);
  const perMinute = new RateLimiterMemory({ points: ctx.config.uploadsPerMinutePerClient, duration: 60 });

  const refuse = (req: Request, res: Response, error: AppError) => {
    cutOffAfterAnswer(req, res);
    return error;
  };

  const guard =
    (countsAsNew: boolean): RequestHandler =>
    async (req, res, next) => {
      try {
        await ensureRoomForUpload(ctx, Number(req.get('upload-length') ?? req.get('content-length')) || 0);
      } catch (err) {
        return next(err instanceof AppError ? refuse(req, res, err) : err);
      }
      // A client that left while earlier steps waited (the session look-up, the disk check) has had its
      // response's 'close' already: a slot taken now would never be given back.
      if (req.socket.destroyed) return;
      const key = clientKey(req);
      const busy = slots.take(key);
      if (busy) return next(refuse(req, res, busy));
      res.once('close', () => slots.give(key));
      if (!countsAsNew) return next();
      try {
        await perMinute.consume(key);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) return next(err);
        const seconds = Math.ceil(err.msBeforeNext / 1000);
        return next(refuse(req, res, new AppError(429, 'upload_rate_limited', {}, undefined, seconds)));
      }
      next();
    };
  return { newUpload: guard(true), moreBytes: guard(false) };
}

/** Watches the data rate of every request that has a body (see watchBodyRate), before anything reads it. */
export function bodyRateWatch(ctx: AppContext): RequestHandler {
  return (req, _res, next) => {
    if (Number(req.get('content-length')) > 0 || req.get('transfer-encoding')) watchBodyRate(ctx, req);
    next();
  };
}
