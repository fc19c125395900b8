import path from 'node:path';
import sharp from 'sharp';
import type { MediaToolkit, VideoProbe } from '../../domain/ports/media-toolkit';
import { perceptualHashOfImage, renderContactSheet, renderDerivatives, renderFullPreview, renderRedactedCopies } from './render';
import { ffInput, runTool } from './run-tool';
import { renderVideoCopy } from './video-copy';

const FFPROBE_TIMEOUT_MS = 20_000;

/** sharp (libvips) for photos, ffprobe/ffmpeg for videos, libheif's heif-convert for HEIC. */
export function createMediaToolkit(): MediaToolkit {
  return {
    async readImageHeader(filePath) {
      // Header only, nothing is decoded here: report the declared size even when it is absurd.
      const header = await sharp(filePath, { limitInputPixels: false }).metadata();
      return { width: header.width ?? null, height: header.height ?? null, exif: header.exif ?? null, xmp: header.xmp ?? null };
    },
    probeVideo,
    renderDerivatives,
    renderRedactedCopies,
    renderFullPreview,
    renderContactSheet,
    renderVideoCopy: (filePath, hints, settings, onProgress, regions) => renderVideoCopy(probeVideo, filePath, hints, settings, onProgress, regions),
    perceptualHashOfImage,
  };
}

async function probeVideo(filePath: string): Promise<VideoProbe> {
  const args = ['-v', 'error', ...ffInput(path.resolve(filePath)), '-print_format', 'json', '-show_format', '-show_streams'];
  let result;
  try {
    result = await runTool('ffprobe', args, { timeoutMs: FFPROBE_TIMEOUT_MS, maxStdoutBytes: 8 * 1024 * 1024 });
  } catch (e) {
    throw new Error(`ffprobe failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (result.code !== 0) throw new Error(`ffprobe could not read the file: ${result.stderr.split('\n')[0] || `exit ${result.code}`}`);
  try {
    return JSON.parse(result.stdout.toString('utf8')) as VideoProbe;
  } catch (e) {
    throw new Error(`ffprobe failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
