import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { Client } from '../helpers/http';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Issue 20, item 1: the resumable upload endpoints speak tus 1.0.0 (core, creation,
 * creation-with-upload, termination) as the specification words it, now that they are our own code
 * and not @tus/server's. The whole flow is in resumable-uploads.test.ts; here, each rule of the
 * protocol and the answer it asks for (https://tus.io/protocols/resumable-upload).
 */

const TUS = { 'tus-resumable': '1.0.0' };
const CHUNK = { 'content-type': 'application/offset+octet-stream' };
const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The start of a JPEG, then random bytes: the type is told from the first bytes. */
const jpegLike = (bytes: number) => Buffer.concat([Buffer.from('ffd8ffe000104a46494600010101004800480000', 'hex'), randomBytes(bytes - 20)]);

/** Bytes the server has not yet read from the loopback connection whose client end is `clientPort` (/proc/net/tcp). */
function unreadByServer(serverPort: number, clientPort: number): number | null {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, , queues] = line.trim().split(/\s+/);
    if (!local || !remote || !queues) continue;
    if (parseInt(local.split(':')[1]!, 16) === serverPort && parseInt(remote.split(':')[1]!, 16) === clientPort) return parseInt(queues.split(':')[1]!, 16);
  }
  return null;
}

describe('the tus 1.0.0 protocol of /api/v1/uploads', () => {
  let system: TestSystem;
  let client: Client;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { MAX_PHOTO_MB: '3', MAX_VIDEO_MB: '5' } });
    client = new Client(system.url);
    await client.page('/');
  });
  afterAll(async () => {
    await system?.stop();
  });

  const create = (length: number | null, extra: Record<string, string> = {}, body?: Buffer) =>
    client.fetch('/api/v1/uploads', {
      method: 'POST',
      headers: { ...TUS, 'x-csrf-token': client.csrf, ...(length === null ? {} : { 'upload-length': String(length) }), ...extra },
      ...(body ? { body: new Uint8Array(body) } : {}),
    });
  const patch = (location: string, offset: string, body: Buffer, headers: Record<string, string> = { ...TUS, ...CHUNK }) =>
    client.fetch(location, { method: 'PATCH', headers: { 'x-csrf-token': client.csrf, 'upload-offset': offset, ...headers }, body: new Uint8Array(body) });
  const head = (location: string) => client.fetch(location, { method: 'HEAD', headers: TUS });
  const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
  const uploadRows = async () => (await system.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resumable_uploads')).rows[0]!.n;

  test('OPTIONS tells the version, the extensions and the largest upload, without Tus-Resumable from the client', async () => {
    const res = await client.fetch('/api/v1/uploads', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(res.headers.get('tus-extension')).toBe('creation,creation-with-upload,termination');
    expect(res.headers.get('tus-max-size')).toBe(String(5 * MiB));
  });

  test('a request without Tus-Resumable 1.0.0 is not processed: 412 with Tus-Version, nothing created', async () => {
    const before = await uploadRows();
    for (const version of [undefined, '0.2.2']) {
      const res = await client.fetch('/api/v1/uploads', {
        method: 'POST',
        headers: { 'x-csrf-token': client.csrf, 'upload-length': '100', ...(version ? { 'tus-resumable': version } : {}) },
      });
      expect(res.status).toBe(412);
      expect(res.headers.get('tus-version')).toBe('1.0.0');
      expect(await errorCode(res)).toBe('tus_version');
    }
    expect(await uploadRows()).toBe(before);
  });

  test('creation: 201 with the Location; HEAD: the offset, the length and the metadata, never cached', async () => {
    const name = 'фото, 1.jpg';
    const res = await create(1000, { 'upload-metadata': `filename ${Buffer.from(name).toString('base64')},is_confidential` });
    expect(res.status).toBe(201);
    expect(res.headers.get('tus-resumable')).toBe('1.0.0');
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v1\/uploads\/[0-9a-f]{32}$/);
    const h = await head(location);
    expect(h.status).toBe(200);
    expect(Object.fromEntries(['upload-offset', 'upload-length', 'upload-metadata', 'cache-control', 'tus-resumable'].map((k) => [k, h.headers.get(k)]))).toEqual({
      'upload-offset': '0',
      'upload-length': '1000',
      'upload-metadata': `filename ${Buffer.from(name).toString('base64')}`,
      'cache-control': 'no-store',
      'tus-resumable': '1.0.0',
    });
  });

  test('malformed lengths and metadata are refused with 400 and create nothing', async () => {
    const before = await uploadRows();
    for (const headers of [{ 'upload-length': '-1' }, { 'upload-length': '1e3' }, { 'upload-length': '007' }, { 'upload-length': '0x10' }]) {
      const res = await client.fetch('/api/v1/uploads', { method: 'POST', headers: { ...TUS, 'x-csrf-token': client.csrf, ...headers } });
      expect(res.status).toBe(400);
    }
    for (const metadata of ['filename not base64!', 'filename YQ==,filename Yg==', ' ', 'a b c']) {
      expect((await create(100, { 'upload-metadata': metadata })).status).toBe(400);
    }
    expect((await create(null)).status).toBe(400); // no Upload-Length (and no creation-defer-length)
    expect(await uploadRows()).toBe(before);
  });

  test('creation-with-upload: the first bytes come with the POST, answered with the Location and the offset', async () => {
    const data = jpegLike(300_000);
    const res = await create(data.length, CHUNK, data.subarray(0, 100_000));
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('100000');
    const location = res.headers.get('location')!;
    const done = await patch(location, '100000', data.subarray(100_000));
    expect(done.status).toBe(204);
    expect(done.headers.get('upload-offset')).toBe(String(data.length));
    const id = location.split('/').pop()!;
    const { rows } = await system.ctx.db.query<{ sha256: string }>("SELECT encode(sha256, 'hex') AS sha256 FROM resumable_uploads WHERE id = $1", [id]);
    expect(rows[0]!.sha256).toBe(sha256(data));
    // The answer was lost and the client sends nothing more: the server still says it has every byte.
    const again = await patch(location, String(data.length), Buffer.alloc(0));
    expect(again.status).toBe(204);
    expect(again.headers.get('upload-offset')).toBe(String(data.length));
  });

  test('PATCH needs Upload-Offset (400) and application/offset+octet-stream (415), and never writes past the declared length (413)', async () => {
    const data = jpegLike(50_000);
    const location = (await create(data.length)).headers.get('location')!;
    const noOffset = await client.fetch(location, { method: 'PATCH', headers: { ...TUS, ...CHUNK, 'x-csrf-token': client.csrf }, body: new Uint8Array(data) });
    expect(noOffset.status).toBe(400);
    const wrongType = await patch(location, '0', data, { ...TUS, 'content-type': 'application/octet-stream' });
    expect(wrongType.status).toBe(415);
    expect(await errorCode(wrongType)).toBe('upload_content_type');
    const tooLong = await patch(location, '0', Buffer.concat([data, Buffer.alloc(10)]));
    expect(tooLong.status).toBe(413);
    expect((await head(location)).headers.get('upload-offset')).toBe('0');
    expect((await patch(location, '0', data)).status).toBe(204);
  });

  test('a chunked body longer than the declared length: what fits is kept and completes the upload, the rest is refused (413)', async () => {
    const data = jpegLike(40_000);
    const location = (await create(data.length)).headers.get('location')!;
    // A streamed body has no Content-Length: the check is on the bytes as they come.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(data));
        controller.enqueue(new Uint8Array(64 * 1024));
        controller.close();
      },
    });
    const res = await client.fetch(location, { method: 'PATCH', headers: { ...TUS, ...CHUNK, 'x-csrf-token': client.csrf, 'upload-offset': '0' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    // A client that asks where it stands is told it is done, and it is: a submission may name it.
    expect((await head(location)).headers.get('upload-offset')).toBe(String(data.length));
    const { rows } = await system.ctx.db.query<{ sha256: string }>("SELECT encode(sha256, 'hex') AS sha256 FROM resumable_uploads WHERE id = $1", [location.split('/').pop()]);
    expect(rows[0]!.sha256).toBe(sha256(data));
  });

  test('termination: DELETE removes the upload and its bytes (204); then it is unknown (404)', async () => {
    const data = jpegLike(20_000);
    const location = (await create(data.length * 2)).headers.get('location')!;
    expect((await patch(location, '0', data)).status).toBe(204);
    const { rows } = await system.ctx.db.query<{ temp_path: string }>('SELECT temp_path FROM resumable_uploads WHERE id = $1', [location.split('/').pop()]);
    expect(existsSync(rows[0]!.temp_path)).toBe(true);
    const gone = await client.fetch(location, { method: 'DELETE', headers: { ...TUS, 'x-csrf-token': client.csrf } });
    expect(gone.status).toBe(204);
    expect((await head(location)).status).toBe(404);
    expect((await patch(location, String(data.length), data)).status).toBe(404);
    expect((await client.fetch(location, { method: 'DELETE', headers: { ...TUS, 'x-csrf-token': client.csrf } })).status).toBe(404);
    expect(existsSync(rows[0]!.temp_path)).toBe(false);
  });

  test('a PATCH whose connection stays open but stops sending gives way to the client that resumes: HEAD tells every byte that arrived', async () => {
    const data = jpegLike(200_000);
    const location = (await create(data.length)).headers.get('location')!;
    const url = new URL(system.url);
    const stale = net.connect({ port: Number(url.port), host: url.hostname });
    stale.on('error', () => {});
    stale.write(
      `PATCH ${location} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${client.cookieHeader()}\r\nX-CSRF-Token: ${client.csrf}\r\nTus-Resumable: 1.0.0\r\n` +
        `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`,
    );
    stale.write(data.subarray(0, 70_000));
    let answer = '';
    stale.on('data', (d: Buffer) => (answer += d.toString()));
    // The client's link went dead (no FIN, no RST): it resumes on a new connection, once the server
    // has read what was sent (nothing of it left in the server end's receive queue; the upload's row
    // says nothing before the request ends).
    await waitFor(async () => (stale.localPort !== undefined && unreadByServer(Number(url.port), stale.localPort) === 0) || null, 10_000, 'the first bytes');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const h = await head(location);
    expect(h.status).toBe(200);
    expect(h.headers.get('upload-offset')).toBe('70000');
    expect(Date.now() - started).toBeLessThan(10_000); // the old request gave way after its drain time, not its timeout
    expect(await waitFor(async () => answer || null, 5000, "the old request's answer")).toMatch(/^HTTP\/1\.1 204 /);
    expect(answer).toMatch(/\r\nUpload-Offset: 70000\r\n/i);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    stale.destroy();
    expect((await patch(location, '70000', data.subarray(70_000))).status).toBe(204);
    const { rows } = await system.ctx.db.query<{ sha256: string }>("SELECT encode(sha256, 'hex') AS sha256 FROM resumable_uploads WHERE id = $1", [location.split('/').pop()]);
    expect(rows[0]!.sha256).toBe(sha256(data));
  });
});
