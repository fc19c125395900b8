import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { Client, SUBMISSION_FIELDS } from '../helpers/http';
import { listFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Issue 14, items 1 and 2: the tus endpoints (api/uploads) over real HTTP, the submission that names
 * finished uploads, and the key that makes a retry return the first receipt.
 */

type Receipt = { submissionId: string; receipt_url: string; files: { name: string; sha256: string; bytes: number; leafHash: string }[] };
type ApiError = { error: { code: string; message: string; details?: { uploads?: string[] } } };

const TUS = { 'tus-resumable': '1.0.0' };
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const newKey = () => randomBytes(24).toString('base64url');

/** A JPEG of random pixels: every call a new file, about `kib` KiB. */
async function randomJpeg(kib: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt((kib * 1024) / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
}

async function anonymous(system: TestSystem): Promise<Client> {
  const client = new Client(system.url);
  await client.page('/');
  return client;
}

async function createUpload(client: Client, length: number, name = 'photo.jpg'): Promise<Response> {
  return client.fetch('/api/v1/uploads', {
    method: 'POST',
    headers: { ...TUS, 'x-csrf-token': client.csrf, 'upload-length': String(length), 'upload-metadata': `filename ${Buffer.from(name).toString('base64')}` },
  });
}

async function newUpload(client: Client, length: number): Promise<string> {
  const res = await createUpload(client, length);
  expect(res.status).toBe(201);
  return res.headers.get('location')!;
}

const patch = (client: Client, location: string, offset: number, bytes: Buffer) =>
  client.fetch(location, {
    method: 'PATCH',
    headers: { ...TUS, 'x-csrf-token': client.csrf, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    body: new Uint8Array(bytes),
  });

const offsetOf = async (client: Client, location: string) => {
  const res = await client.fetch(location, { method: 'HEAD', headers: TUS });
  return res.status === 200 ? Number(res.headers.get('upload-offset')) : res.status === 404 ? null : Promise.reject(new Error(`HEAD ${res.status}`));
};

const idOf = (location: string) => location.split('/').pop()!;

/** Uploads a whole file in one PATCH and returns its upload id. */
async function uploadWhole(client: Client, data: Buffer): Promise<string> {
  const location = await newUpload(client, data.length);
  expect((await patch(client, location, 0, data)).status).toBe(204);
  return idOf(location);
}

const submit = (client: Client, uploads: string[], key: string, fields: Record<string, string> = SUBMISSION_FIELDS) =>
  client.fetch('/api/v1/submissions', {
    method: 'POST',
    headers: { 'x-csrf-token': client.csrf, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ ...fields, idempotency_key: key, uploads }),
  });

async function counts(system: TestSystem) {
  const { rows } = await system.ctx.db.query<{ subs: number; files: number; leaves: number; uploads: number; blobs: number }>(
    `SELECT (SELECT count(*)::int FROM submissions) AS subs, (SELECT count(*)::int FROM media_files) AS files,
            (SELECT count(*)::int FROM tlog_leaves) AS leaves, (SELECT count(*)::int FROM resumable_uploads) AS uploads,
            (SELECT count(*)::int FROM blobs) AS blobs`,
  );
  return rows[0]!;
}
const uploadRow = async (system: TestSystem, id: string) =>
  (await system.ctx.db.query(`SELECT mime, kind, format, encode(sha256, 'hex') AS sha256 FROM resumable_uploads WHERE id = $1`, [id])).rows[0];
const tempFiles = (system: TestSystem) => listFiles(path.join(system.storageDir, 'tmp'));
const originals = (system: TestSystem) => listFiles(path.join(system.storageDir, 'originals'));

describe('resumable uploads (tus 1.0)', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { MAX_PHOTO_MB: '1', MAX_VIDEO_MB: '2' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('a file sent in pieces is hashed, stored once and logged once; the same key again returns the same receipt', async () => {
    const client = await anonymous(system);
    const [a, b] = await Promise.all([randomJpeg(200), randomJpeg(100)]);
    const before = await counts(system);

    const location = await newUpload(client, a.length);
    expect(await offsetOf(client, location)).toBe(0);
    expect((await patch(client, location, 0, a.subarray(0, 70_000))).status).toBe(204);
    expect(await offsetOf(client, location)).toBe(70_000);
    // A request that ends before the last byte records the type it told; the last one records the rest.
    expect(await uploadRow(system, idOf(location))).toEqual({ mime: 'image/jpeg', kind: 'image', format: 'jpeg', sha256: null });
    const last = await patch(client, location, 70_000, a.subarray(70_000));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(a.length));
    expect(await uploadRow(system, idOf(location))).toEqual({ mime: 'image/jpeg', kind: 'image', format: 'jpeg', sha256: sha256(a) });
    const second = await uploadWhole(client, b);
    // Type and SHA-256 told in one request are recorded together, with the completion.
    expect(await uploadRow(system, second)).toEqual({ mime: 'image/jpeg', kind: 'image', format: 'jpeg', sha256: sha256(b) });

    const key = newKey();
    const res = await submit(client, [idOf(location), second], key);
    expect(res.status).toBe(201);
    const receipt = (await res.json()) as Receipt;
    expect(receipt.files.map((f) => [f.name, f.sha256, f.bytes])).toEqual([
      ['photo.jpg', sha256(a), a.length],
      ['photo.jpg', sha256(b), b.length],
    ]);
    expect(receipt.receipt_url).toBe(`/receipt/${key}`);
    expect(await counts(system)).toEqual({ subs: before.subs + 1, files: before.files + 2, leaves: before.leaves + 2, uploads: before.uploads, blobs: before.blobs + 2 });
    expect(await originals(system)).toEqual(expect.arrayContaining([sha256(a), sha256(b)].map((h) => path.join(h.slice(0, 2), h.slice(2, 4), h))));
    expect(await tempFiles(system)).toEqual([]);
    // The uploads were taken by the submission: a client resuming them learns they are gone.
    expect(await offsetOf(client, location)).toBeNull();

    // The answer was lost: the same request again gets the first receipt, and nothing more is stored.
    const again = await submit(client, [idOf(location), second], key);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(receipt);
    expect(await counts(system)).toEqual({ subs: before.subs + 1, files: before.files + 2, leaves: before.leaves + 2, uploads: before.uploads, blobs: before.blobs + 2 });

    // The same bytes in another submission: another leaf, the same stored original.
    const other = await submit(client, [await uploadWhole(client, a)], newKey());
    expect(other.status).toBe(201);
    expect((await counts(system)).blobs).toBe(before.blobs + 2);
    expect((await originals(system)).filter((f) => f.endsWith(sha256(a)))).toHaveLength(1);
  });

  test('two requests with one key at once store one submission', async () => {
    const client = await anonymous(system);
    const data = await randomJpeg(50);
    const ids = [await uploadWhole(client, data)];
    const before = await counts(system);
    const key = newKey();
    const [first, second] = await Promise.all([submit(client, ids, key), submit(client, ids, key)]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(((await first.json()) as Receipt).submissionId).toBe(((await second.json()) as Receipt).submissionId);
    expect((await counts(system)).subs).toBe(before.subs + 1);
  });

  test('a submission naming an unfinished upload is refused, names it, and stores nothing', async () => {
    const client = await anonymous(system);
    const data = await randomJpeg(80);
    const location = await newUpload(client, data.length);
    await patch(client, location, 0, data.subarray(0, 10_000));
    const before = await counts(system);
    const res = await submit(client, [idOf(location)], newKey());
    expect(res.status).toBe(409);
    expect(((await res.json()) as ApiError).error).toMatchObject({ code: 'uploads_incomplete', details: { uploads: [idOf(location)] } });
    expect(await counts(system)).toEqual(before);
    // ... and it can still be finished and sent
    expect((await patch(client, location, 10_000, data.subarray(10_000))).status).toBe(204);
    expect((await submit(client, [idOf(location)], newKey())).status).toBe(201);
  });

  test('a declared length over the limit is refused at creation, before any byte', async () => {
    const client = await anonymous(system);
    const before = await tempFiles(system);
    const res = await createUpload(client, 2 * 1024 * 1024 + 1);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ApiError).error.code).toBe('too_large');
    const empty = await createUpload(client, 0);
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as ApiError).error.code).toBe('empty_file');
    expect(await tempFiles(system)).toEqual(before);
    expect((await counts(system)).uploads).toBe(0);
  });

  test('a photo declared over the photo limit is refused once its first bytes show it is a photo', async () => {
    const client = await anonymous(system);
    const jpeg = await randomJpeg(20);
    const location = await newUpload(client, 1024 * 1024 + 1); // under the video limit, over the photo limit
    const res = await patch(client, location, 0, jpeg);
    expect(res.status).toBe(413);
    expect(await offsetOf(client, location)).toBeNull();
    expect(await tempFiles(system)).toEqual([]);
  });

  test('a wrong type is refused after the first chunk, before the rest is sent, and leaves nothing', async () => {
    const client = await anonymous(system);
    const length = 512 * 1024;
    const location = await newUpload(client, length);
    // Over a raw socket: the head of a PATCH of 512 KiB, then only its first 8 KiB (not a photo or video).
    const url = new URL(system.url);
    const socket = net.connect({ port: Number(url.port), host: url.hostname });
    socket.on('error', () => {});
    let received = '';
    const answered = new Promise<string>((resolve) => socket.on('data', (d: Buffer) => (received += d.toString()) && /^HTTP\/1\.1 \d{3}/.test(received) && resolve(received)));
    socket.write(
      `PATCH ${location} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${client.cookieHeader()}\r\nX-CSRF-Token: ${client.csrf}\r\nTus-Resumable: 1.0.0\r\n` +
        `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${length}\r\nAccept-Language: en\r\n\r\n`,
    );
    socket.write(Buffer.alloc(8192, 'x'));
    const answer = await answered;
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 415/);
    expect(answer).toContain('unsupported_type');
    expect(await offsetOf(client, location)).toBeNull();
    expect(await tempFiles(system)).toEqual([]);
    expect((await counts(system)).uploads).toBe(0);
  });

  test('a PATCH cut off mid-way, then resumed from the server\'s offset, still records the SHA-256 of the whole file', async () => {
    // Whether the cut request's running hash survives it or not (then the end reads the file back), the digest is the whole file's.
    const client = await anonymous(system);
    const data = await randomJpeg(300);
    const location = await newUpload(client, data.length);
    const url = new URL(system.url);
    const socket = net.connect({ port: Number(url.port), host: url.hostname });
    socket.on('error', () => {});
    socket.write(
      `PATCH ${location} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${client.cookieHeader()}\r\nX-CSRF-Token: ${client.csrf}\r\nTus-Resumable: 1.0.0\r\n` +
        `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`,
    );
    socket.write(data.subarray(0, 100_000));
    await new Promise((r) => setTimeout(r, 500));
    socket.destroy();
    const offset = await waitFor(async () => (await offsetOf(client, location)) || null, 10_000, 'the written bytes');
    expect((await patch(client, location, offset, data.subarray(offset))).status).toBe(204);
    const res = await submit(client, [idOf(location)], newKey());
    expect(res.status).toBe(201);
    expect(((await res.json()) as Receipt).files[0]!.sha256).toBe(sha256(data));
  });

  test('a PATCH at an offset the server does not have is refused and changes nothing', async () => {
    const client = await anonymous(system);
    const data = await randomJpeg(60);
    const location = await newUpload(client, data.length);
    expect((await patch(client, location, 0, data.subarray(0, 20_000))).status).toBe(204);
    for (const wrong of [0, 10_000, 30_000]) {
      expect((await patch(client, location, wrong, data.subarray(wrong, wrong + 5000))).status).toBe(409);
    }
    expect(await offsetOf(client, location)).toBe(20_000);
    expect((await patch(client, location, 20_000, data.subarray(20_000))).status).toBe(204);
    const res = await submit(client, [idOf(location)], newKey());
    expect(((await res.json()) as Receipt).files[0]!.sha256).toBe(sha256(data));
  });

  test('concurrent PATCHes to one upload: one wins the lock, the file is never mixed up', async () => {
    const client = await anonymous(system);
    const data = await randomJpeg(400);
    const location = await newUpload(client, data.length);
    const results = await Promise.all([patch(client, location, 0, data), patch(client, location, 0, data)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toContain(204);
    expect(statuses.every((s) => s === 204 || s === 409 || s === 400)).toBe(true);
    // Whatever the race left, resuming from the server's offset completes the file byte for byte.
    const offset = (await offsetOf(client, location))!;
    if (offset < data.length) expect((await patch(client, location, offset, data.subarray(offset))).status).toBe(204);
    const res = await submit(client, [idOf(location)], newKey());
    expect(res.status).toBe(201);
    expect(((await res.json()) as Receipt).files[0]!.sha256).toBe(sha256(data));
  });

  test('the endpoints need the CSRF token and answer no other origin', async () => {
    const client = await anonymous(system);
    const res = await client.fetch('/api/v1/uploads', { method: 'POST', headers: { ...TUS, 'upload-length': '100' } });
    expect(res.status).toBe(403);
    const options = await client.fetch('/api/v1/uploads', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('an unfinished upload expires', () => {
  let system: TestSystem;
  beforeAll(async () => {
    // 3 s: the sweep runs every second
    system = await startSystem({ worker: false, env: { UPLOAD_EXPIRY_MINUTES: '0.05' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('and leaves no file and no row', async () => {
    const client = await anonymous(system);
    const data = await randomJpeg(60);
    const before = await counts(system);
    const location = await newUpload(client, data.length);
    expect((await patch(client, location, 0, data.subarray(0, 30_000))).status).toBe(204);
    expect(await tempFiles(system)).toHaveLength(1);
    await waitFor(async () => (await counts(system)).uploads === 0 && (await tempFiles(system)).length === 0, 15_000, 'the expired upload to be removed');
    expect(await offsetOf(client, location)).toBeNull();
    expect((await patch(client, location, 30_000, data.subarray(30_000))).status).toBe(404);
    expect(await counts(system)).toEqual(before);
  });
});

describe('the form without JavaScript: Post/Redirect/Get', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('the form posts its token in the body, is sent on to its receipt, and posting it again stores nothing new', async () => {
    const client = new Client(system.url);
    const { body } = await client.page('/');
    expect(body).toMatch(/<form id="upload-form" method="post" action="\/submit"/);
    const key = /name="idempotency_key" value="([^"]+)"/.exec(body)![1]!;
    const jpeg = await randomJpeg(30);
    const before = await counts(system);
    const form = () => {
      const f = new FormData();
      f.append('_csrf', client.csrf);
      f.append('idempotency_key', key);
      for (const [k, v] of Object.entries({ ...SUBMISSION_FIELDS, station_number: 'УИК №8050' })) f.append(k, v);
      f.append('files', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg');
      return f;
    };
    const res = await client.fetch('/submit', { method: 'POST', body: form() });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/receipt/${key}`);
    const page = await client.fetch(`/receipt/${key}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store, private');
    expect(await page.text()).toContain(sha256(jpeg));
    const { rows } = await system.ctx.db.query<{ station_number: string }>('SELECT station_number FROM submissions ORDER BY received_at DESC LIMIT 1');
    expect(rows).toEqual([{ station_number: '8050' }]);

    const twice = await client.fetch('/submit', { method: 'POST', body: form() });
    expect(twice.status).toBe(303);
    expect(twice.headers.get('location')).toBe(`/receipt/${key}`);
    expect((await counts(system)).subs).toBe(before.subs + 1);
    expect(await tempFiles(system)).toEqual([]);

    // The receipt is for its key's holder only.
    expect((await new Client(system.url).fetch(`/receipt/${newKey()}`)).status).toBe(404);
    // A token in the body is required: without it nothing is stored.
    const forged = form();
    forged.set('_csrf', 'forged');
    forged.set('idempotency_key', newKey());
    expect((await client.fetch('/submit', { method: 'POST', body: forged })).status).toBe(403);
    expect((await counts(system)).subs).toBe(before.subs + 1);
    expect(await tempFiles(system)).toEqual([]);
  });
});
