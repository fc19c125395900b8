import { AppError } from '../../domain/errors';

/**
 * How long a request holding an upload may go on once a newer request for the same upload asks for
 * it (as @tus/server's lockDrainTimeout): enough to finish a nearly sent body, short enough that a
 * client resuming after a dead connection is not kept waiting for the old one to time out.
 */
const DRAIN_MS = 3000;
/** How long a request waits for an upload another request holds before it is told to come back. */
const WAIT_MS = 30_000;
const LOCKED_RETRY_SECONDS = 5;

type Holder = { giveWay: () => void; released: Promise<void> };

/**
 * One request at a time per upload, in this process (an upload is served by the API that created it).
 * The newest request wins: the holder is asked to give way, stops reading its body after DRAIN_MS and
 * keeps what it received, so a client resuming after a cut connection (HEAD, then PATCH) learns the
 * offset of every byte that arrived instead of waiting for the dead connection to time out.
 */
export class UploadLocks {
  private readonly held = new Map<string, Holder>();

  /**
   * Waits until `id` is free and takes it; `giveWay` is called when a newer request wants it (the
   * holder stops within DRAIN_MS). Returns the release, to be called once the request is done with it.
   */
  async take(id: string, giveWay: () => void = () => {}): Promise<() => void> {
    const deadline = Date.now() + WAIT_MS;
    for (let holder = this.held.get(id); holder; holder = this.held.get(id)) {
      holder.giveWay();
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        holder.released.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, left)))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        throw new AppError(423, 'upload_locked', {}, undefined, LOCKED_RETRY_SECONDS);
      }
    }
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let drain: NodeJS.Timeout | undefined;
    const holder: Holder = { released, giveWay: () => (drain ??= setTimeout(giveWay, DRAIN_MS).unref()) };
    this.held.set(id, holder);
    return () => {
      clearTimeout(drain);
      if (this.held.get(id) === holder) this.held.delete(id);
      release();
    };
  }
}
