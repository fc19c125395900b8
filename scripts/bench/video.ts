/**
 * `npm run bench:video`: published video copies (issue 17, item 1) against bare ffmpeg.
 *
 * Clips: every video fixture (../shared/fixtures/media) plus a 60 s 1080p H.264 and a 60 s 1080p
 * HEVC clip generated here with ffmpeg (test pattern and a tone; cached in the temp folder).
 * Ours: what the encode-video job does with a clip: the media toolkit's renderVideoCopy (ffprobe,
 * the copy-or-encode plan, ffmpeg with progress), the SHA-256 of the copy, and storing it in a
 * filesystem blob store (writeDerivativeFile); the job's few SQL updates are left out.
 * Baseline, in the same run: the very ffmpeg command line ours ran (videoCopyArgs, same plan and
 * settings), bare. The two alternate clip by clip (which goes first alternates too), so load from
 * other processes hits both alike.
 *
 * Prints per clip the plan and both times; the last line is one JSON object
 * {"video_s_per_s", "ratio", "peak_rss_mb", "baseline_video_s_per_s"}: seconds of video per second
 * of processing (ours), ours ÷ bare speed, and the peak resident memory of this process plus its
 * ffmpeg children (sampled from /proc every 50 ms). Exit code 1 when a bar is missed
 * (ratio < 0.9, peak RSS ≥ 500 MB).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parseConfig } from '../../domain/config';
import { planVideoCopy } from '../../domain/media/video-copy';
import { createMediaToolkit } from '../../infra/media/toolkit';
import { videoCopyArgs } from '../../infra/media/video-copy';
import { createFsBlobStore } from '../../infra/storage/fs-blob-store';
import { log, reportFigures } from './bench-kit';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.resolve(ROOT, '..', 'shared', 'fixtures', 'media');
const CACHE = path.join(os.tmpdir(), 'svidetel-bench-video');
const BAR_RATIO = 0.9;
const BAR_RSS_MB = 500;

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr.slice(0, 500)}`))));
  });
}

/** A 60 s 1080p clip with sound, made once and kept in the temp folder. */
async function generated(name: string, codec: string[]): Promise<string> {
  const file = path.join(CACHE, name);
  if (existsSync(file)) return file;
  await fs.mkdir(CACHE, { recursive: true });
  log(`generating ${name} (once)…`);
  const tmp = `${file}.part.mp4`;
  await run('ffmpeg', [
    '-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=60', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=60',
    ...codec, '-c:a', 'aac', '-b:a', '128k', '-shortest', '-y', tmp,
  ]);
  await fs.rename(tmp, file);
  return file;
}

/** This process and its children (ffmpeg, ffprobe): the most resident memory they held at once, sampled. */
function watchMemory(): { stop(): number } {
  let peak = 0;
  const sample = async () => {
    let total = process.memoryUsage.rss();
    for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const status = await fs.readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    }
    peak = Math.max(peak, total);
  };
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      await sample();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      return peak / 1e6;
    },
  };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const config = parseConfig({ ...process.env, NODE_ENV: 'test' });
  const settings = config.videoCopy;
  const toolkit = createMediaToolkit();
  const storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-bench-video-store-'));
  const blobs = await createFsBlobStore(storeDir);

  const expected = JSON.parse(await fs.readFile(path.join(FIXTURES, 'expected.json'), 'utf8')) as { file: string; kind: string; bytes: number }[] | { files: { file: string; kind: string; bytes: number }[] };
  const rows = Array.isArray(expected) ? expected : expected.files;
  const clips = rows.filter((e) => e.kind === 'video' && e.bytes > 0).map((e) => path.join(FIXTURES, e.file));
  clips.push(await generated('h264-1080p-60s.mp4', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-b:v', '8M']));
  clips.push(await generated('hevc-1080p-60s.mp4', ['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-b:v', '6M', '-tag:v', 'hvc1']));

  log(`settings: short side ≤ ${settings.maxHeight}, ${settings.videoKbps} kb/s, ${settings.threads} threads; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const memory = watchMemory();
  let videoSeconds = 0;
  let oursSeconds = 0;
  let bareSeconds = 0;
  for (const [i, clip] of clips.entries()) {
    const probe = await toolkit.probeVideo(clip);
    const duration = Number(probe.format?.duration) || 0;
    const plan = planVideoCopy(probe, settings);

    const ours = async () => {
      const t0 = performance.now();
      const copy = await toolkit.renderVideoCopy(clip, { width: null, height: null, duration_s: duration }, settings);
      try {
        const sha = await sha256Of(copy.path);
        await blobs.writeDerivativeFile(sha, 'video', copy.path);
      } finally {
        await copy.dispose();
      }
      return (performance.now() - t0) / 1000;
    };
    const bare = async () => {
      const out = path.join(storeDir, `bare-${i}.mp4`);
      const args = videoCopyArgs(path.resolve(clip), out, plan, settings).filter((a, j, all) => a !== '-progress' && all[j - 1] !== '-progress');
      const t0 = performance.now();
      await run('ffmpeg', args);
      const seconds = (performance.now() - t0) / 1000;
      await fs.rm(out, { force: true });
      return seconds;
    };
    let o: number;
    let b: number;
    if (i % 2 === 0) {
      b = await bare();
      o = await ours();
    } else {
      o = await ours();
      b = await bare();
    }
    videoSeconds += duration;
    oursSeconds += o;
    bareSeconds += b;
    log(`${path.basename(clip)}: ${duration.toFixed(2)} s of video, video ${plan.video}, audio ${plan.audio ?? 'none'}; ours ${o.toFixed(2)} s, bare ffmpeg ${b.toFixed(2)} s`);
  }
  const peakRssMb = memory.stop();
  await fs.rm(storeDir, { recursive: true, force: true });

  const figures = {
    video_s_per_s: Number((videoSeconds / oursSeconds).toFixed(3)),
    baseline_video_s_per_s: Number((videoSeconds / bareSeconds).toFixed(3)),
    ratio: Number((bareSeconds / oursSeconds).toFixed(3)),
    peak_rss_mb: Number(peakRssMb.toFixed(1)),
  };
  log(`load after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  reportFigures(figures, [
    figures.ratio < BAR_RATIO && `ratio ${figures.ratio} < ${BAR_RATIO}`,
    figures.peak_rss_mb >= BAR_RSS_MB && `peak RSS ${figures.peak_rss_mb} MB ≥ ${BAR_RSS_MB} MB`,
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
