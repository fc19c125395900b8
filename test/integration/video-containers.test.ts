import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mediaRepo from '../../db/media.repo';
import { Client, uploadSubmission, type UploadFile } from '../helpers/http';
import { processedFiles, startSystem, type TestSystem } from '../helpers/system';
import { ownElection, videoCopiesOf } from './archive-helpers';

/**
 * Issue 17, item 2: every video container ffprobe reads is accepted and processed (a poster frame
 * made), with the capture time its tags carry; what is not a photo or video is still refused (415).
 * The clips are made here with ffmpeg: one second, 160×120.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-containers-'));

function clip(name: string, codec: string[], extra: string[] = []): UploadFile {
  const out = path.join(dir, name);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=1:size=160x120:rate=10', ...codec, ...extra, out]);
  return { name, data: fs.readFileSync(out) };
}

/** ffmpeg's AVI muxer writes no IDIT: the top-level JUNK chunk before the movie data becomes one, as a camera writes it. */
function withIdit(avi: UploadFile, date: string): UploadFile {
  const data = Buffer.from(avi.data);
  const junk = data.indexOf('JUNK', data.indexOf('INFO'));
  if (junk < 0 || junk > data.indexOf('movi')) throw new Error('no top-level JUNK chunk before movi to turn into IDIT');
  data.write('IDIT', junk, 'latin1');
  data.write(`${date}\n\0`, junk + 8, 'latin1');
  return { ...avi, data };
}

describe('video containers beyond MP4/QuickTime/WebM/MTS', () => {
  let system: TestSystem;
  let fields: Record<string, string>;

  beforeAll(async () => {
    system = await startSystem();
    const election = await ownElection(system, 'containers');
    fields = { election_id: String(election.id), region: 'Москва', station_number: '2034', category_code: 'ballot_stuffing', description: 'Видео в разных контейнерах' };
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('AVI (MJPEG), Matroska, FLV, ASF/WMV, MPEG-PS, MXF, DV, Ogg Theora and RealVideo are processed into a poster and a clean copy, with their container times', async () => {
    const files = [
      withIdit(clip('camera.avi', ['-c:v', 'mjpeg']), 'SUN MAR 15 10:20:30 2026'),
      clip('clip.mkv', ['-c:v', 'libx264', '-preset', 'ultrafast'], ['-metadata', 'creation_time=2026-03-15T07:21:00Z']),
      clip('clip.flv', ['-c:v', 'flv1']),
      clip('clip.wmv', ['-c:v', 'wmv2']),
      clip('clip.mpg', ['-c:v', 'mpeg2video', '-f', 'vob']),
      // professional cameras' MXF (its Identification set's date), a DV camcorder's raw DV, Ogg Theora, RealVideo
      clip('clip.mxf', ['-c:v', 'mpeg2video', '-r', '25', '-f', 'mxf'], ['-metadata', 'creation_time=2026-03-15T08:22:00Z']),
      clip('clip.dv', ['-c:v', 'dvvideo', '-s', '720x576', '-pix_fmt', 'yuv420p', '-r', '25', '-f', 'dv']),
      clip('clip.ogv', ['-c:v', 'libtheora']),
      clip('clip.rm', ['-c:v', 'rv20', '-f', 'rm']),
    ];
    // five videos: frames, contact sheets, then their published copies (one at a time) share the worker
    const res = await uploadSubmission(new Client(system.url), fields, files);
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { submissionId: string }).submissionId;
    await processedFiles(system, id, 240_000);
    const stored = await mediaRepo.listMediaFiles(system.ctx.db, id);
    expect(stored.map((f) => ({ name: f.original_name, kind: f.kind, mime: f.mime, status: f.status, failure: f.failure_reason, poster: f.has_preview && f.has_thumb, width: f.width }))).toEqual([
      { name: 'camera.avi', kind: 'video', mime: 'video/x-msvideo', status: 'ready', failure: null, poster: true, width: 160 },
      { name: 'clip.mkv', kind: 'video', mime: 'video/x-matroska', status: 'ready', failure: null, poster: true, width: 160 },
      { name: 'clip.flv', kind: 'video', mime: 'video/x-flv', status: 'ready', failure: null, poster: true, width: 160 },
      { name: 'clip.wmv', kind: 'video', mime: 'video/x-ms-asf', status: 'ready', failure: null, poster: true, width: 160 },
      { name: 'clip.mpg', kind: 'video', mime: 'video/mpeg', status: 'ready', failure: null, poster: true, width: 160 },
      { name: 'clip.mxf', kind: 'video', mime: 'application/mxf', status: 'ready', failure: null, poster: true, width: 160 },
      { name: 'clip.dv', kind: 'video', mime: 'video/x-dv', status: 'ready', failure: null, poster: true, width: 720 },
      { name: 'clip.ogv', kind: 'video', mime: 'video/ogg', status: 'ready', failure: null, poster: true, width: 160 },
      { name: 'clip.rm', kind: 'video', mime: 'application/vnd.rn-realmedia', status: 'ready', failure: null, poster: true, width: 160 },
    ]);
    for (const f of stored) {
      const poster = await system.ctx.blobs.openDerivative(f.sha256, 'preview');
      expect({ name: f.original_name, poster: (poster?.size ?? 0) > 0 }).toEqual({ name: f.original_name, poster: true });
      poster?.discard();
    }
    const [avi, mkv, , , , mxf] = stored;
    // RIFF IDIT is the camera's wall clock: a local time, no zone, so no UTC.
    expect([avi!.taken_at_local, avi!.taken_at_source, avi!.taken_at_utc]).toEqual(['2026-03-15T10:20:30', 'RIFF:DateTimeOriginal', null]);
    // Matroska DateUTC is UTC.
    expect([mkv!.taken_at_source, mkv!.taken_at_utc?.toISOString()]).toEqual(['Matroska:DateTimeOriginal', '2026-03-15T07:21:00.000Z']);
    // MXF's timestamps are UTC.
    expect([mxf!.taken_at_source, mxf!.taken_at_utc?.toISOString()]).toEqual(['MXF:ModifyDate', '2026-03-15T08:22:00.000Z']);

    // Each gets a published copy (issue 17, item 1): MJPEG, FLV1, WMV2, MPEG-2, DV, Theora and RealVideo
    // encoded to H.264 in MP4, with no tag of the source's container or streams (MXF's company, product, dates).
    const FORMAT_TAGS = new Set(['major_brand', 'minor_version', 'compatible_brands']);
    const STREAM_TAGS = new Set(['language', 'handler_name', 'vendor_id', 'encoder']);
    const copies = await videoCopiesOf(system, id, 120_000);
    for (const f of stored) {
      const copy = copies.get(f.id)!;
      const stream = await system.ctx.blobs.openDerivative(f.sha256, 'video');
      const local = path.join(dir, `${f.original_name}.copy.mp4`);
      const chunks: Buffer[] = [];
      for await (const chunk of stream!.stream() as AsyncIterable<Buffer>) chunks.push(chunk);
      fs.writeFileSync(local, Buffer.concat(chunks));
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', local], { encoding: 'utf8' })) as {
        format: { format_name: string; tags?: Record<string, string> };
        streams: { codec_type: string; codec_name: string; width: number; tags?: Record<string, string> }[];
      };
      const tags = [...Object.keys(probe.format.tags ?? {}).filter((k) => !FORMAT_TAGS.has(k)), ...probe.streams.flatMap((s) => Object.keys(s.tags ?? {}).filter((k) => !STREAM_TAGS.has(k)))];
      expect({ name: f.original_name, status: copy.status, format: probe.format.format_name, streams: probe.streams.map((s) => `${s.codec_type}/${s.codec_name}`), tags }).toEqual({
        name: f.original_name,
        status: 'ready',
        format: 'mov,mp4,m4a,3gp,3g2,mj2',
        streams: ['video/h264'],
        tags: [],
      });
    }
  }, 600_000);

  test('audio and unknown bytes are still refused at upload with 415', async () => {
    const wav = path.join(dir, 'sound.wav');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=1', wav]);
    const vorbis = path.join(dir, 'sound.ogg');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'libvorbis', vorbis]);
    for (const file of [{ name: 'sound.avi', data: fs.readFileSync(wav) }, { name: 'sound.ogv', data: fs.readFileSync(vorbis) }, { name: 'notes.mkv', data: Buffer.from('these are not moving pictures\n'.repeat(200)) }]) {
      const client = new Client(system.url);
      await client.page('/');
      const res = await uploadSubmission(client, fields, [file]);
      expect({ name: file.name, status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code }).toEqual({ name: file.name, status: 415, code: 'unsupported_type' });
    }
  });
});
