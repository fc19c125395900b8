import type { VideoProbe } from '../ports/media-toolkit';

/**
 * The published copy of a video (issue 17, item 1): H.264 + AAC in MP4 with faststart, at most
 * `maxHeight` lines on its short side, every metadata atom, chapter, data and subtitle stream
 * dropped. It is made after the file is processed (job `encode-video`), since a long transcode must
 * not hold up review, and it is never evidence: the original is.
 */

/** pending: owed, not started; encoding: ffmpeg runs (progress known); ready; failed (reason kept). */
export const VIDEO_COPY_STATUSES = ['pending', 'encoding', 'ready', 'failed'] as const;
export type VideoCopyStatus = (typeof VIDEO_COPY_STATUSES)[number];

/** What a moderator (and the public entry, once ready) knows of a video's published copy. */
export type VideoCopyState = {
  status: VideoCopyStatus;
  /** 0…1 while encoding; 1 when ready. */
  progress: number;
  failure_reason: string | null;
  sha256: string | null;
  bytes: number | null;
  /** The redaction it is made with (its copies key, domain/media/redaction.ts); null: none. */
  redaction_key: string | null;
};

/** The limits a copy is made within (config: VIDEO_COPY_*). */
export type VideoCopySettings = {
  maxHeight: number;
  videoKbps: number;
  audioKbps: number;
  threads: number;
  timeoutMs: number;
};

/**
 * How each stream becomes web-playable: 'copy' when the browser can play it as it is (only the
 * container and its metadata change), 'encode' otherwise. `video` is always set (a video without a
 * picture is refused at upload); `audio` is null when there is no sound.
 */
export type VideoCopyPlan = { video: 'copy' | 'encode'; audio: 'copy' | 'encode' | null };

/** H.264 profiles every browser decodes (no 10-bit, no 4:2:2). */
/** ffprobe's field orders of an interlaced picture (1080i AVCHD, DV, broadcast MPEG-2): browsers show its fields combed. */
const INTERLACED_FIELD_ORDERS = new Set(['tt', 'bb', 'tb', 'bt']);
const WEB_SAFE_H264_PROFILES = new Set(['Baseline', 'Constrained Baseline', 'Main', 'High']);

/**
 * Stream copy only for a picture a phone plays and downloads well: H.264 8-bit 4:2:0 in a web
 * profile, within the size limit and at most twice the target bitrate (an unknown bitrate, as in an
 * MPEG-TS, is encoded) and not interlaced. Anything else (HEVC from iPhones, MJPEG, MPEG-2 from AVCHD,
 * a 1080p clip, an interlaced picture, which the encode deinterlaces) is transcoded. A redaction, a filter on the picture, makes it 'encode' too (infra/media/video-copy.ts).
 */
export function planVideoCopy(probe: VideoProbe, settings: Pick<VideoCopySettings, 'maxHeight' | 'videoKbps'>): VideoCopyPlan {
  const streams = probe.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  const shortSide = video?.width && video.height ? Math.min(video.width, video.height) : Infinity;
  const bitRate = Number(video?.bit_rate ?? probe.format?.bit_rate);
  const webSafeVideo =
    video?.codec_name === 'h264' &&
    video.pix_fmt === 'yuv420p' &&
    !INTERLACED_FIELD_ORDERS.has(video.field_order ?? '') &&
    WEB_SAFE_H264_PROFILES.has(video.profile ?? '') &&
    shortSide <= settings.maxHeight &&
    Number.isFinite(bitRate) &&
    bitRate <= settings.videoKbps * 2000;
  return {
    video: webSafeVideo ? 'copy' : 'encode',
    audio: audio ? (audio.codec_name === 'aac' && audio.profile === 'LC' ? 'copy' : 'encode') : null,
  };
}

/** A copy made by the media toolkit, in a local temp file the caller stores and then removes. */
export type RenderedVideoCopy = {
  path: string;
  plan: VideoCopyPlan;
  /** Seconds of video in the copy (what the benchmark counts). */
  duration_s: number | null;
  /** Removes the temp file. */
  dispose(): Promise<void>;
};
