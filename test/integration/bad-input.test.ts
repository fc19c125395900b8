import http from 'node:http';
import sharp from 'sharp';
import { Client, SUBMISSION_FIELDS, submissionForm, uploadSubmission, type UploadFile } from '../helpers/http';
import { listFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/** Every bad input gets a 4xx a person understands and leaves no rows and no files behind. */
describe('bad input changes nothing', () => {
  let system: TestSystem;
  let small: TestSystem; // a server with a 0.5 MiB photo limit and 3 files per submission
  let jpeg: UploadFile;

  async function state(s: TestSystem) {
    const { rows } = await s.ctx.db.query<{ subs: number; files: number; blobs: number }>(
      `SELECT (SELECT count(*)::int FROM submissions) AS subs, (SELECT count(*)::int FROM media_files) AS files, (SELECT count(*)::int FROM blobs) AS blobs`,
    );
    return { ...rows[0], stored: await listFiles(s.storageDir) };
  }

  /** Runs the request and checks status, error code and that nothing changed. */
  async function expectRefused(s: TestSystem, send: (c: Client) => Promise<Response>, status: number, code: string) {
    const before = await state(s);
    const client = new Client(s.url);
    await client.page('/');
    const res = await send(client);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(await state(s)).toEqual(before);
    return body.error.message;
  }

  beforeAll(async () => {
    [system, small] = await Promise.all([
      startSystem({ worker: false }),
      startSystem({ worker: false, env: { MAX_PHOTO_MB: '0.5', MAX_FILES_PER_SUBMISSION: '3' } }),
    ]);
    const data = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    jpeg = { name: 'photo.jpg', data, type: 'image/jpeg' };
  });
  afterAll(async () => {
    await Promise.all([system?.stop(), small?.stop()]);
  });

  test('a submission without files', async () => {
    await expectRefused(system, (c) => uploadSubmission(c, SUBMISSION_FIELDS, []), 400, 'no_files');
  });

  // the item is named as the form labels it, never by its field's name (that is in details.fields)
  test.each([
    ['election_id', 'Choose an election'],
    ['region', 'region or country'],
    ['station_number', 'polling-station number'],
    ['category_code', 'kind of violation'],
    ['description', 'Describe what happened'],
  ])('a missing %s', async (field, words) => {
    const fields: Record<string, string> = { ...SUBMISSION_FIELDS };
    delete fields[field];
    const message = await expectRefused(system, (c) => uploadSubmission(c, fields, [jpeg]), 400, 'invalid_input');
    expect(message).toContain(words);
    expect(message).not.toMatch(/\b[a-z]+_[a-z]+\b|^\w+:/); // no field's name, nor "field: …"
  });

  test('an over-long description', async () => {
    const fields = { ...SUBMISSION_FIELDS, description: 'x'.repeat(10_001) };
    await expectRefused(system, (c) => uploadSubmission(c, fields, [jpeg]), 400, 'invalid_input');
  });

  test('a form field larger than the parser allows', async () => {
    const fields = { ...SUBMISSION_FIELDS, description: 'x'.repeat(70_000) };
    await expectRefused(system, (c) => uploadSubmission(c, fields, [jpeg]), 400, 'field_too_long');
  });

  test('a station number that is not digits', async () => {
    const fields = { ...SUBMISSION_FIELDS, station_number: '12a; DROP TABLE' };
    await expectRefused(system, (c) => uploadSubmission(c, fields, [jpeg]), 400, 'invalid_input');
  });

  test('an impossible date', async () => {
    const fields = { ...SUBMISSION_FIELDS, happened_at: '2024-02-30T12:00' };
    await expectRefused(system, (c) => uploadSubmission(c, fields, [jpeg]), 400, 'invalid_input');
  });

  test('an unknown election', async () => {
    await expectRefused(system, (c) => uploadSubmission(c, { ...SUBMISSION_FIELDS, election_id: '99999' }, [jpeg]), 400, 'unknown_election');
  });

  test('an unknown category', async () => {
    await expectRefused(system, (c) => uploadSubmission(c, { ...SUBMISSION_FIELDS, category_code: 'no_such_thing' }, [jpeg]), 400, 'unknown_category');
  });

  test('a .jpg that is really a PDF', async () => {
    const pdf = { name: 'photo.jpg', data: Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n' + 'x'.repeat(5000)), type: 'image/jpeg' };
    const message = await expectRefused(system, (c) => uploadSubmission(c, SUBMISSION_FIELDS, [jpeg, pdf]), 415, 'unsupported_type');
    expect(message).toMatch(/content/);
  });

  test('a zero-byte file', async () => {
    await expectRefused(system, (c) => uploadSubmission(c, SUBMISSION_FIELDS, [{ name: 'empty.jpg', data: Buffer.alloc(0) }]), 400, 'empty_file');
  });

  test('a photo over the size limit', async () => {
    const big = { name: 'big.jpg', data: Buffer.concat([jpeg.data, Buffer.alloc(600 * 1024, 7)]) };
    await expectRefused(small, (c) => uploadSubmission(c, SUBMISSION_FIELDS, [big]), 413, 'too_large');
  });

  test('too many files', async () => {
    const files = Array.from({ length: 4 }, (_, i) => ({ ...jpeg, name: `p${i}.jpg` }));
    await expectRefused(small, (c) => uploadSubmission(c, SUBMISSION_FIELDS, files), 400, 'too_many_files');
  });

  test('a body that is neither multipart nor JSON', async () => {
    await expectRefused(
      system,
      (c) => c.fetch('/api/v1/submissions', { method: 'POST', headers: { 'x-csrf-token': c.csrf, 'content-type': 'text/plain' }, body: JSON.stringify(SUBMISSION_FIELDS) }),
      400,
      'malformed_form',
    );
  });

  test('JSON that names no finished uploads (the resumable path, api/uploads)', async () => {
    await expectRefused(
      system,
      (c) => c.fetch('/api/v1/submissions', { method: 'POST', headers: { 'x-csrf-token': c.csrf, 'content-type': 'application/json' }, body: JSON.stringify(SUBMISSION_FIELDS) }),
      400,
      'invalid_input',
    );
  });

  test('a truncated multipart body', async () => {
    const body = '--XYZ\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n' + jpeg.data.subarray(0, 100).toString('latin1');
    await expectRefused(
      system,
      (c) => c.fetch('/api/v1/submissions', { method: 'POST', headers: { 'x-csrf-token': c.csrf, 'content-type': 'multipart/form-data; boundary=XYZ' }, body: Buffer.from(body, 'latin1') }),
      400,
      'malformed_form',
    );
  });

  test('a wrong CSRF token', async () => {
    await expectRefused(
      system,
      (c) => c.fetch('/api/v1/submissions', { method: 'POST', headers: { 'x-csrf-token': 'forged' }, body: submissionForm(SUBMISSION_FIELDS, [jpeg]) }),
      403,
      'csrf',
    );
  });

  test('a client that disconnects mid-upload', async () => {
    const before = await state(system);
    const client = new Client(system.url);
    await client.page('/');
    const boundary = 'svidetelboundary';
    const head = Buffer.from(
      Object.entries(SUBMISSION_FIELDS).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="video.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const url = new URL('/api/v1/submissions', system.url);
    await new Promise<void>((resolve) => {
      const req = http.request(url, {
        method: 'POST',
        headers: {
          cookie: client.cookieHeader(),
          'x-csrf-token': client.csrf,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + jpeg.data.length + 10_000_000),
        },
      });
      req.on('error', () => resolve());
      req.write(head);
      req.write(jpeg.data);
      req.write(Buffer.alloc(200_000, 1));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    // The server notices the abort and removes the partial temp file.
    await waitFor(async () => JSON.stringify(await state(system)) === JSON.stringify(before), 10_000, 'temp files to be removed');
  });

  test('the HTML form shows the error and keeps what was typed', async () => {
    const before = await state(system);
    const client = new Client(system.url);
    await client.page('/');
    const res = await client.fetch(`/submit?_csrf=${encodeURIComponent(client.csrf)}`, {
      method: 'POST',
      body: submissionForm({ ...SUBMISSION_FIELDS, region: 'Казань', category_code: 'no_such_thing' }, [jpeg]),
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('role="alert"');
    expect(page).toContain('Choose a category from the list.');
    expect(page).toContain('value="Казань"');
    expect(await state(system)).toEqual(before);
  });

  test('a Russian reader gets the error in Russian, on the page and from the API', async () => {
    const client = new Client(system.url, 'ru');
    await client.page('/');
    const res = await client.fetch(`/submit?_csrf=${encodeURIComponent(client.csrf)}`, {
      method: 'POST',
      body: submissionForm({ ...SUBMISSION_FIELDS, station_number: 'двенадцать' }, [jpeg]),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Номер участка — от 1 до 6 цифр');
    const api = await uploadSubmission(client, SUBMISSION_FIELDS, []);
    expect(((await api.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'no_files', message: 'Добавьте хотя бы одно фото или видео.' });
  });

  test.each([
    ['/archive/00000000-0000-4000-8000-000000000000', 404],
    ['/archive/not-a-uuid', 400],
    ['/api/v1/entries/not-a-uuid', 400],
    ['/api/v1/entries/00000000-0000-4000-8000-000000000000', 404],
    ['/media/00000000-0000-4000-8000-000000000000/preview.jpg', 404],
    ['/media/00000000-0000-4000-8000-000000000000/../../etc/passwd', 404],
    ['/archive?after=%%%garbage', 400],
    ['/setup/short', 400],
    ['/no/such/page', 404],
  ])('GET %s answers %i', async (path, status) => {
    const res = await new Client(system.url).fetch(path);
    expect(res.status).toBe(status);
  });
});
