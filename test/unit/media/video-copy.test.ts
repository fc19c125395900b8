import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planVideoCopy } from '../../../domain/media/video-copy';
import { createMediaToolkit } from '../../../infra/compose';

/** Which streams of a video are only remuxed and which are encoded for its published copy. */
describe('planVideoCopy', () => {
  const settings = { maxHeight: 720, videoKbps: 1500 };
  const h264 = (width: number, height: number, bitRate: number, more: Record<string, unknown> = {}) => ({
    codec_type: 'video', codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width, height, bit_rate: String(bitRate), ...more,
  });
  const aac = { codec_type: 'audio', codec_name: 'aac', profile: 'LC' };

  test('a web-safe H.264 within the size and bitrate, with AAC-LC, is stream-copied', () => {
    expect(planVideoCopy({ streams: [h264(568, 320, 750_000), aac] }, settings)).toEqual({ video: 'copy', audio: 'copy' });
    // portrait: the short side counts
    expect(planVideoCopy({ streams: [h264(464, 848, 1_500_000), aac] }, settings)).toEqual({ video: 'copy', audio: 'copy' });
  });

  test('too large, too heavy, another codec, 10-bit or full-range picture is encoded', () => {
    expect(planVideoCopy({ streams: [h264(1920, 1080, 2_000_000), aac] }, settings).video).toBe('encode');
    expect(planVideoCopy({ streams: [h264(1280, 720, 3_400_000), aac] }, settings).video).toBe('encode');
    expect(planVideoCopy({ streams: [{ ...h264(640, 360, 800_000), codec_name: 'hevc', profile: 'Main' }] }, settings).video).toBe('encode');
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000, { pix_fmt: 'yuvj420p' })] }, settings).video).toBe('encode');
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000, { profile: 'High 10', pix_fmt: 'yuv420p10le' })] }, settings).video).toBe('encode');
    expect(planVideoCopy({ streams: [{ codec_type: 'video', codec_name: 'mjpeg', width: 640, height: 480 }] }, settings).video).toBe('encode');
    // an unknown bitrate (MPEG-TS) is not trusted
    expect(planVideoCopy({ streams: [{ ...h264(640, 360, 0), bit_rate: undefined }] }, settings).video).toBe('encode');
    // an interlaced picture (576i, 1080i AVCHD) is encoded, and so deinterlaced
    for (const field_order of ['tt', 'bb', 'tb', 'bt']) expect(planVideoCopy({ streams: [h264(720, 576, 800_000, { field_order })] }, settings).video).toBe('encode');
    expect(planVideoCopy({ streams: [h264(720, 576, 800_000, { field_order: 'progressive' })] }, settings).video).toBe('copy');
  });

  test('sound: AAC-LC copied, anything else encoded, none stays none; cover art is not the picture', () => {
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000), { codec_type: 'audio', codec_name: 'pcm_s16le' }] }, settings).audio).toBe('encode');
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000), { codec_type: 'audio', codec_name: 'ac3' }] }, settings).audio).toBe('encode');
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000)] }, settings).audio).toBeNull();
    const cover = { codec_type: 'video', codec_name: 'mjpeg', width: 300, height: 300, disposition: { attached_pic: 1 } };
    expect(planVideoCopy({ streams: [cover, h264(640, 360, 800_000), aac] }, settings)).toEqual({ video: 'copy', audio: 'copy' });
  });
});

describe('renderVideoCopy of an interlaced clip', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-interlaced-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a 576i H.264 a browser would show combed is deinterlaced into a progressive copy, one frame per frame', async () => {
    // 50 fields a second woven into 25 interlaced frames, coded as such (as a DV or AVCHD camcorder records)
    const clip = path.join(dir, 'camcorder-576i.mp4');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=duration=1:size=720x576:rate=50', '-vf', 'tinterlace=mode=interleave_top,setfield=tff',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-flags', '+ilme+ildct', '-x264-params', 'tff=1', '-b:v', '800k', '-pix_fmt', 'yuv420p', clip]);
    const probe = (file: string) => JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=field_order,nb_read_frames,width,height', '-of', 'json', file], { encoding: 'utf8' })).streams[0] as { field_order: string; nb_read_frames: string; width: number; height: number };
    expect(probe(clip).field_order).toBe('tt');
    const copy = await createMediaToolkit().renderVideoCopy(clip, { width: 720, height: 576, duration_s: 1 }, { maxHeight: 720, videoKbps: 1500, audioKbps: 96, threads: 2, timeoutMs: 120_000 });
    try {
      expect(copy.plan.video).toBe('encode');
      expect(probe(copy.path)).toEqual({ field_order: 'progressive', nb_read_frames: probe(clip).nb_read_frames, width: 720, height: 576 });
      // and the picture itself is no longer combed: ffmpeg's idet finds interlaced frames in the source, few in the copy
      const combed = (file: string) => {
        const report = spawnSync('ffmpeg', ['-v', 'info', '-nostdin', '-i', file, '-vf', 'idet', '-an', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
        const m = /Multi frame detection: TFF:\s*(\d+) BFF:\s*(\d+) Progressive:\s*(\d+)/.exec(report)!;
        return { interlaced: Number(m[1]) + Number(m[2]), progressive: Number(m[3]) };
      };
      expect(combed(clip).progressive).toBe(0);
      const after = combed(copy.path);
      expect(after.interlaced).toBeLessThan(after.progressive / 3);
    } finally {
      await copy.dispose();
    }
  }, 120_000);
});
