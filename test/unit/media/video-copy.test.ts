import { planVideoCopy } from '../../../domain/media/video-copy';

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
  });

  test('sound: AAC-LC copied, anything else encoded, none stays none; cover art is not the picture', () => {
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000), { codec_type: 'audio', codec_name: 'pcm_s16le' }] }, settings).audio).toBe('encode');
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000), { codec_type: 'audio', codec_name: 'ac3' }] }, settings).audio).toBe('encode');
    expect(planVideoCopy({ streams: [h264(640, 360, 800_000)] }, settings).audio).toBeNull();
    const cover = { codec_type: 'video', codec_name: 'mjpeg', width: 300, height: 300, disposition: { attached_pic: 1 } };
    expect(planVideoCopy({ streams: [cover, h264(640, 360, 800_000), aac] }, settings)).toEqual({ video: 'copy', audio: 'copy' });
  });
});
