import { spawn, type ChildProcess } from 'node:child_process';
import { MediaError } from '../../domain/media/errors';
import { processCpuSeconds, processState, STARVED_WALL_FACTOR } from './run-tool';

/**
 * One long-running ffmpeg HEVC decoder per process and shrink factor (issue 13, item 6). Every
 * ffmpeg start loads and relocates some 200 libraries (0.05 CPU-s on this machine, 0.2 on another):
 * more than decoding an iPhone's embedded thumbnail (0.01), and a third of decoding its 12 MP picture.
 * So the worker keeps an ffmpeg that reads a raw HEVC stream (Annex B) on its standard input for as
 * long as the worker lives, and feeds it the pictures of one HEIC after another: each tile comes
 * back in order as raw RGB at its own size (`-autoscale 0`), shrunk by the decoder's factor.
 *
 * Delimiting one file's pictures from the next: after the tiles of a request go three copies of a
 * tiny marker picture (64×64, one colour) and an access unit delimiter. ffmpeg hands a picture on
 * only once one or two more have come in after it, so the tiles and the first marker come out at
 * once while the other markers may stay inside until the next request pushes them out first. The
 * reader knows, in order, every picture it is owed (markers left from earlier requests, this
 * request's tiles, its markers) and their sizes (the tiles of an image all have one size), and
 * checks each marker's pixels against the marker as this decoder first decoded it: a picture the
 * decoder dropped, or one too many, shows as a marker out of place, never as tiles shifted into
 * the next file. Should ffmpeg still sit on a request's last pictures (asleep, waiting for input),
 * one more marker is sent to push them out, up to three times.
 *
 * Guarded: the address space is capped (prlimit, 1 GiB: a hostile bitstream cannot take the
 * worker's memory); a request that stalls (ffmpeg asleep waiting for input and no byte out: a tile
 * it would not decode) or a decoder that dies or answers out of step is failed with
 * HevcDecoderFailure and the decoder replaced by a fresh one at the next request; the caller then
 * decodes that file alone in a process of its own, which gives the verdict on the file (see
 * infra/media/heif-decode.ts). A request that uses more than its CPU time limit is the file's
 * fault (MediaError 'timeout'); one starved of CPU for eight times that limit in wall time is not
 * (a plain Error: the job is retried).
 */

/** 64×64 IDR picture of one colour (libx265, 8-bit 4:2:0, parameter sets included), Annex B. */
const MARKER = Buffer.from(
  'AAAAAUABDAH//wQIAAADAJ+oAAADAAAeugJAAAAAAUIBAQQIAAADAJ+oAAADAAAeoCCBBZbqSTK8BaAgAAADACAAAAMDIQAAAAFEAcFysCJAAAABKAGveOsCAf/Ib6DcKz/GCVFR5w==',
  'base64',
);
const MARKER_EDGE = 64;
/** An access unit delimiter (NAL type 35): it ends the marker's access unit for ffmpeg's parser. */
const DELIMITER = Buffer.from([0, 0, 0, 1, 0x46, 0x01, 0x50]);
const ADDRESS_SPACE_BYTES = 1024 * 1024 * 1024;
const CPU_LIMIT_MS = 60_000;
const POLL_MS = 100;
/** Polls in a row with ffmpeg asleep, no CPU used and no byte out before a request is called stalled. */
const STALL_POLLS = 2;
/** Markers after a request's tiles: ffmpeg holds back one picture or two until more come in. */
const TRAILING_MARKERS = 3;
/** Extra markers sent to a decoder still holding a request's pictures back, before it is given up. */
const MAX_NUDGES = 3;

/** The persistent decoder failed on this request (not necessarily the file's fault): decode the file alone instead. */
export class HevcDecoderFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HevcDecoderFailure';
  }
}

type Request = {
  bitstream: Buffer;
  frameBytes: number;
  frames: number;
  resolve: (pixels: Buffer) => void;
  reject: (e: Error) => void;
};

/** A picture ffmpeg is to give back, in the order they went in. */
type Expected = { kind: 'marker' } | { kind: 'tile'; bytes: number } | { kind: 'end' };

type Active = {
  request: Request;
  tiles: Buffer;
  tileBytesIn: number;
  startedAt: number;
  cpuAtStart: number;
  lastCpu: number;
  lastBytes: number;
  bytesIn: number;
  idlePolls: number;
  nudges: number;
  timer: NodeJS.Timeout | null;
};

export class HevcDecoder {
  /** What a decoded marker is, in bytes, once shrunk. */
  private readonly markerBytes: number;

  /**
   * `shrink`: each picture is brought down by this whole factor as it is decoded (ffmpeg's area
   * scaler, inside the decoder's process): tiles shrunk on their own still meet edge to edge when
   * the factor divides their sides, and far fewer bytes cross the pipe.
   */
  constructor(readonly shrink = 1) {
    if (!SHRINKS.includes(shrink)) throw new Error(`no HEVC decoder shrinks by ${shrink}`);
    this.markerBytes = (MARKER_EDGE / shrink) ** 2 * 3;
  }

  private child: ChildProcess | null = null;
  /** The marker as this ffmpeg decodes it (the first picture it ever gives). */
  private reference: Buffer | null = null;
  /** What ffmpeg still owes, in order: markers of earlier requests, this request's tiles, its markers. */
  private expected: Expected[] = [];
  /** Bytes of the picture at the head of `expected` received so far. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private active: Active | null = null;
  private readonly queue: Request[] = [];
  /** Processes started, images sent to be decoded, and extra markers sent to push pictures out: for tests and logs. */
  starts = 0;
  requests = 0;
  nudges = 0;

  /**
   * Decodes `frames` pictures of `width`×`height` each (the tiles of one image, in order) from their
   * Annex B bitstream; resolves with their RGB pixels, one picture after the other.
   */
  decode(bitstream: Buffer, frames: number, width: number, height: number): Promise<Buffer> {
    if (width % this.shrink !== 0 || height % this.shrink !== 0) return Promise.reject(new Error(`${width}×${height} cannot be shrunk by ${this.shrink}`));
    const frameBytes = (width / this.shrink) * (height / this.shrink) * 3;
    return new Promise((resolve, reject) => {
      this.queue.push({ bitstream, frames, frameBytes, resolve, reject });
      this.next();
    });
  }

  /** The running ffmpeg's pid (null when none runs): for tests and CPU accounting. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Stops the running ffmpeg; the request it works on fails, later ones start a new one. */
  close(): void {
    this.failActive(new HevcDecoderFailure('the decoder was closed'));
    this.kill();
  }

  private start(): ChildProcess {
    const args = [
      `--as=${ADDRESS_SPACE_BYTES}`, 'ffmpeg', '-v', 'error', '-nostdin', '-threads', '1',
      // No probing ahead: a picture is decoded as soon as its access unit is in.
      '-probesize', '32', '-analyzeduration', '0', '-f', 'hevc', '-i', 'pipe:0',
      // Every picture at its own size, not scaled to the first one's.
      '-autoscale', '0', ...(this.shrink > 1 ? ['-vf', `scale=iw/${this.shrink}:ih/${this.shrink}:flags=area`] : []), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-flush_packets', '1', 'pipe:1',
    ];
    const child = spawn('prlimit', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.starts++;
    this.child = child;
    this.reference = null;
    this.expected = [];
    this.partial = [];
    this.partialBytes = 0;
    child.stdin!.on('error', () => undefined); // EPIPE from a dead decoder: its exit is what counts
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.child === child) this.onData(chunk);
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = null;
      this.failActive(new HevcDecoderFailure(`the HEVC decoder ${why}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`));
      this.next();
    };
    child.on('error', (e) => gone(`could not run (${e.message})`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    return child;
  }

  private next(): void {
    if (this.active || this.queue.length === 0) {
      this.holdOpen(this.active !== null);
      return;
    }
    const request = this.queue.shift()!;
    const child = this.child ?? this.start();
    this.requests++;
    const input: Buffer[] = [];
    // A fresh decoder first decodes a marker, to learn what a marker looks like from it.
    if (this.reference === null && this.expected.length === 0) {
      input.push(MARKER);
      this.expected.push({ kind: 'marker' });
    }
    input.push(request.bitstream);
    for (let i = 0; i < request.frames; i++) this.expected.push({ kind: 'tile', bytes: request.frameBytes });
    this.expected.push({ kind: 'end' });
    for (let i = 1; i < TRAILING_MARKERS; i++) this.expected.push({ kind: 'marker' });
    input.push(...Array.from({ length: TRAILING_MARKERS }, () => MARKER), DELIMITER);
    const cpu = (child.pid !== undefined && processCpuSeconds(child.pid)) || 0;
    this.active = {
      request, tiles: Buffer.allocUnsafe(request.frames * request.frameBytes), tileBytesIn: 0,
      startedAt: Date.now(), cpuAtStart: cpu, lastCpu: cpu, lastBytes: 0, bytesIn: 0, idlePolls: 0, nudges: 0, timer: null,
    };
    this.holdOpen(true);
    child.stdin!.write(Buffer.concat(input));
    this.active.timer = setTimeout(() => this.poll(child), POLL_MS);
  }

  private onData(chunk: Buffer): void {
    if (this.active) this.active.bytesIn += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      const head = this.expected[0];
      if (!head) {
        this.fail(new HevcDecoderFailure('the HEVC decoder gave a picture nobody asked for'));
        return;
      }
      const size = head.kind === 'tile' ? head.bytes : this.markerBytes;
      const take = Math.min(size - this.partialBytes, chunk.length - pos);
      const part = chunk.subarray(pos, pos + take);
      pos += take;
      if (head.kind === 'tile') {
        // Tiles go straight where they belong (one copy, no list of chunks).
        const active = this.active;
        if (!active) {
          this.fail(new HevcDecoderFailure('the HEVC decoder gave a tile nobody asked for'));
          return;
        }
        part.copy(active.tiles, active.tileBytesIn);
        active.tileBytesIn += take;
      } else {
        this.partial.push(part);
      }
      this.partialBytes += take;
      if (this.partialBytes < size) continue;
      this.expected.shift();
      const picture = head.kind === 'tile' ? null : Buffer.concat(this.partial);
      this.partial = [];
      this.partialBytes = 0;
      if (picture) {
        this.reference ??= picture;
        if (!picture.equals(this.reference)) {
          this.fail(new HevcDecoderFailure('the HEVC decoder answered out of step (a picture missing or one too many)'));
          return;
        }
      }
      if (head.kind === 'end') {
        const active = this.active!;
        this.finish();
        active.request.resolve(active.tiles);
        this.next();
      }
    }
  }

  private poll(child: ChildProcess): void {
    const active = this.active;
    if (!active || this.child !== child || child.pid === undefined) return;
    const cpu = processCpuSeconds(child.pid);
    if (cpu === null) return; // gone: its exit event says so
    const cpuMs = (cpu - active.cpuAtStart) * 1000;
    const wallMs = Date.now() - active.startedAt;
    if (cpuMs > CPU_LIMIT_MS) {
      this.failActive(new MediaError('timeout', `the HEVC decoder took longer than ${CPU_LIMIT_MS / 1000} s`));
      this.kill();
      this.next();
      return;
    }
    if (wallMs > CPU_LIMIT_MS * STARVED_WALL_FACTOR) {
      this.fail(new Error(`the HEVC decoder had no CPU for ${wallMs / 1000} s`));
      return;
    }
    // Asleep (waiting for input), nothing used, nothing out: it holds pictures back until more come in.
    const idle = processState(child.pid) === 'S' && cpu === active.lastCpu && active.bytesIn === active.lastBytes;
    active.idlePolls = idle ? active.idlePolls + 1 : 0;
    active.lastCpu = cpu;
    active.lastBytes = active.bytesIn;
    if (active.idlePolls >= STALL_POLLS) {
      if (active.nudges >= MAX_NUDGES) {
        this.fail(new HevcDecoderFailure(`the HEVC decoder stalled after ${active.tileBytesIn} of ${active.tiles.length} bytes`));
        return;
      }
      // One more marker pushes out one more picture.
      active.nudges++;
      this.nudges++;
      active.idlePolls = 0;
      this.expected.push({ kind: 'marker' });
      child.stdin!.write(Buffer.concat([MARKER, DELIMITER]));
    }
    active.timer = setTimeout(() => this.poll(child), POLL_MS);
  }

  /** The active request failed with `e`, the decoder is replaced; requests waiting go to a new one. */
  private fail(e: Error): void {
    this.failActive(e);
    this.kill();
    this.next();
  }

  private failActive(e: Error): void {
    const active = this.active;
    if (!active) return;
    this.finish();
    active.request.reject(e);
  }

  private finish(): void {
    if (this.active?.timer) clearTimeout(this.active.timer);
    this.active = null;
  }

  private kill(): void {
    const child = this.child;
    this.child = null;
    this.reference = null;
    this.expected = [];
    if (child) {
      child.kill('SIGKILL');
      // The killed process's pipes must not keep this process alive.
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
  }

  /** While idle the decoder does not keep this process alive (it ends when our end of its input closes). */
  private holdOpen(busy: boolean): void {
    const child = this.child;
    if (!child) return;
    const streams = [child.stdin, child.stdout, child.stderr] as unknown as ({ ref?: () => void; unref?: () => void } | null)[];
    if (busy) {
      child.ref();
      for (const s of streams) s?.ref?.();
    } else {
      child.unref();
      for (const s of streams) s?.unref?.();
    }
  }
}

/** The factors a decoder can shrink by: they divide the marker's side, and phones' tiles (512, 256…). */
export const SHRINKS = [1, 2, 4, 8];
const shared = new Map<number, HevcDecoder>();

/** This process's decoder that shrinks by `shrink`, started at its first use. */
export function sharedHevcDecoder(shrink = 1): HevcDecoder {
  let decoder = shared.get(shrink);
  if (!decoder) shared.set(shrink, (decoder = new HevcDecoder(shrink)));
  return decoder;
}

/** The pids of this process's running decoders (CPU accounting). */
export function sharedHevcDecoderPids(): number[] {
  return [...shared.values()].flatMap((d) => (d.pid === null ? [] : [d.pid]));
}
