import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { messageOf } from '../../domain/caught-errors';
import { MediaError } from '../../domain/media/errors';
import type { RedactionRegion } from '../../domain/media/redaction';
import { planVideoCopy, type RenderedVideoCopy, type VideoCopyPlan, type VideoCopySettings } from '../../domain/media/video-copy';
import type { RenderHints, VideoProbe } from '../../domain/ports/media-toolkit';
import { ffInput, runTool } from './run-tool';
import { redactedVideoFilter } from './video-redaction';

/** Deinterlaces only the frames flagged interlaced (1080i AVCHD, DV), at their own frame rate; scaling fields together would blend them. */
const DEINTERLACE = 'bwdif=mode=send_frame:deint=interlaced';

/**
 * The ffmpeg command line of a published video copy (also run bare by `npm run bench:video`).
 * Only the first picture and the first sound are kept (-map), and nothing else of the source:
 * no container or stream tags (-map_metadata -1: ©xyz, loci, make, model, creation time…), no
 * chapters, subtitles or data streams (Apple's timed metadata, GPS tracks), and no encoder tag
 * (bitexact). A copied picture keeps its display rotation (that says nothing about anyone); an
 * encoded one is turned upright by ffmpeg, its interlaced frames deinterlaced (bwdif, one frame per
 * frame; progressive frames pass as they are), and scaled so its short side is at most maxHeight. A
 * redaction (rectangles over time ranges) is burned into the scaled picture: such a plan encodes.
 */
export function videoCopyArgs(input: string, output: string, plan: VideoCopyPlan, s: VideoCopySettings, regions: RedactionRegion[] = []): string[] {
  const threads = String(s.threads);
  const h = s.maxHeight;
  // Landscape: height ≤ h; portrait: width ≤ h; even sizes for 4:2:0; never enlarged.
  const scale = `scale=w='if(gte(iw,ih),-2,min(${h},trunc(iw/2)*2))':h='if(gte(iw,ih),min(${h},trunc(ih/2)*2),-2)'`;
  const video =
    plan.video === 'copy'
      ? ['-c:v', 'copy']
      : [
          '-vf', redactedVideoFilter(`${DEINTERLACE},${scale}`, regions, 'format=yuv420p'), '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-crf', '23',
          '-maxrate', `${s.videoKbps}k`, '-bufsize', `${s.videoKbps * 2}k`, '-g', '60',
        ];
  const audio =
    plan.audio === null ? ['-an'] : plan.audio === 'copy' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', `${s.audioKbps}k`, '-ac', '2'];
  return [
    '-v', 'error', '-nostdin', '-nostats', '-threads', threads, ...ffInput(input),
    '-map', '0:v:0', '-map', '0:a:0?', '-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn',
    ...video, ...audio,
    '-threads', threads, '-filter_threads', threads,
    '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact',
    '-movflags', '+faststart', '-f', 'mp4', '-progress', 'pipe:1', '-y', `file:${output}`,
  ];
}

/** ffprobe's report, as the plan reads it (the toolkit's probeVideo, passed in to keep one ffprobe). */
type Probe = (filePath: string) => Promise<VideoProbe>;

/**
 * Renders the published copy of a video into a private temp directory. The plan (copy or encode)
 * comes from the domain, and is 'encode' whenever rectangles are to be covered; a time limit
 * (settings.timeoutMs) and -threads bound what one copy costs, redacted or not.
 */
export async function renderVideoCopy(
  probe: Probe,
  filePath: string,
  hints: RenderHints,
  settings: VideoCopySettings,
  onProgress?: (fraction: number) => void,
  regions: RedactionRegion[] = [],
): Promise<RenderedVideoCopy> {
  let report: VideoProbe;
  try {
    report = await probe(filePath);
  } catch (e) {
    throw new MediaError('corrupt', messageOf(e));
  }
  const planned = planVideoCopy(report, settings);
  const plan: VideoCopyPlan = regions.length ? { ...planned, video: 'encode' } : planned;
  const duration = hints.duration_s ?? (Number(report.format?.duration) || null);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'svidetel-video-'));
  const output = path.join(dir, 'copy.mp4');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    let pending = '';
    const result = await runTool('ffmpeg', videoCopyArgs(path.resolve(filePath), output, plan, settings, regions), {
      timeoutMs: settings.timeoutMs,
      onStdout: (chunk) => {
        // -progress writes key=value lines; out_time_us is how far the copy has got.
        pending += chunk.toString('latin1');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^out_time_us=(\d+)/.exec(line);
          if (m && duration && onProgress) onProgress(Math.min(1, Number(m[1]) / 1e6 / duration));
        }
      },
    });
    if (result.code !== 0) {
      throw new MediaError('corrupt', `the video cannot be converted: ${result.stderr.split('\n')[0] || `exit ${result.code}`}`);
    }
    return { path: output, plan, duration_s: duration, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
