import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import type { Receipt as LogReceipt } from '../../domain/transparency/receipt';
import { Client, SUBMISSION_FIELDS, loggedInClient, submissionForm } from '../helpers/http';
import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { freshDatabaseUrl, startSystem, waitFor, type TestSystem } from '../helpers/system';
import { typescriptScript } from '../helpers/scripts';

/**
 * Issue 14 item 4: the receipt page at its capability URL (/receipt/<key>) over real HTTP. It follows
 * the submission through its states, reveals nothing without its key, is never cached or indexed,
 * and its "save the receipt" file passes both verifiers with the pinned log key and nothing else.
 */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const newKey = () => randomBytes(24).toString('base64url');

async function randomJpeg(): Promise<Buffer> {
  return sharp(randomBytes(64 * 64 * 3), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
}

/** Runs a verifier, returning its exit code and output instead of throwing on a non-zero exit. */
async function verifier(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 60_000 });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout}${e.stderr}` };
  }
}

const unescapeHtml = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const stateOf = (page: string) => /id="receipt-state" class="receipt-state" data-state="([a-z_]+)"/.exec(page)?.[1];

describe('the receipt page at its capability URL', () => {
  let system: TestSystem;
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-receipt-'));
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('receipt'), LOG_STH_INTERVAL_SECONDS: '3600', LOG_ORIGIN: 'svidetel.test/log' } });
  });
  afterAll(async () => {
    await system?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Sends one photo through the no-JavaScript form; its receipt's key and bytes. */
  async function send(name = 'photo.jpg'): Promise<{ key: string; jpeg: Buffer; id: string }> {
    const client = new Client(system.url);
    await client.page('/');
    const key = newKey();
    const jpeg = await randomJpeg();
    const res = await client.fetch('/submit', { method: 'POST', body: submissionForm({ _csrf: client.csrf, idempotency_key: key, ...SUBMISSION_FIELDS }, [{ name, data: jpeg, type: 'image/jpeg' }]) });
    expect(res.status).toBe(303);
    const { rows } = await system.ctx.db.query<{ id: string }>('SELECT submission_id AS id FROM media_files WHERE sha256 = $1', [Buffer.from(sha256(jpeg), 'hex')]);
    return { key, jpeg, id: rows[0]!.id };
  }

  const receipt = (key: string, lang: 'en' | 'ru' = 'en') => new Client(system.url, lang).fetch(`/receipt/${key}`);
  const receiptText = async (key: string, lang: 'en' | 'ru' = 'en') => {
    const res = await receipt(key, lang);
    expect(res.status).toBe(200);
    return res.text();
  };

  test('it follows the submission: received, being processed, in review, published with its link', async () => {
    await system.stopWorker();
    const { key, jpeg, id } = await send();
    const page = await receiptText(key);
    expect(stateOf(page)).toBe('received');
    expect(page).toContain(sha256(jpeg));
    expect(page).toContain('What happens next');

    await system.ownerDb.query(`UPDATE media_files SET status = 'processing' WHERE submission_id = $1`, [id]);
    expect(stateOf(await receiptText(key))).toBe('processing');
    await system.ownerDb.query(`UPDATE media_files SET status = 'received' WHERE submission_id = $1`, [id]);

    await system.startWorker();
    await waitFor(async () => stateOf(await receiptText(key)) === 'in_review', 60_000, 'the files to be processed');

    const moderator = await loggedInClient(system.ctx, system.url);
    expect((await decideFromPage(moderator, id, { action: 'verify', ...ALL_CHECKS })).status).toBe(303);
    expect(stateOf(await receiptText(key))).toBe('in_review');
    expect((await decideFromPage(moderator, id, { action: 'publish', public_title: 'Вброс', public_description: 'Вброс.', public_location: 'hidden' })).status).toBe(303);
    const published = await receiptText(key);
    expect(stateOf(published)).toBe('published');
    expect(published).toContain(`id="receipt-publication" href="/archive/${id}"`);
  }, 120_000);

  test('a rejected submission is "not published", and nothing of another submission shows', async () => {
    const mine = await send();
    const other = await send();
    const moderator = await loggedInClient(system.ctx, system.url);
    expect((await decideFromPage(moderator, mine.id, { action: 'reject', reason_code: 'staged_or_edited', reason: 'staged photo' })).status).toBe(303);
    const page = await receiptText(mine.key);
    expect(stateOf(page)).toBe('not_published');
    expect(page).not.toContain('staged photo'); // the moderators' reasons are theirs
    expect(page).not.toContain(other.id);
    expect(page).not.toContain(sha256(other.jpeg));
    expect(page).not.toContain(other.key);
  });

  test('in Russian by default and in English when asked; the UTC instant is in the page for the phone to localise', async () => {
    const { key, id } = await send();
    const ru = await new Client(system.url).fetch(`/receipt/${key}`, { headers: { 'accept-language': '' } }).then((r) => r.text());
    expect(ru).toContain('<html lang="ru">');
    expect(ru).toContain('Что дальше');
    expect(ru).not.toContain('Leaf hash');
    const en = await receiptText(key, 'en');
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Forget this upload on this phone');
    expect(en).toContain('links whoever holds the phone to this upload');
    const { rows } = await system.ctx.db.query<{ received_at: Date }>('SELECT received_at FROM submissions WHERE id = $1', [id]);
    const iso = rows[0]!.received_at.toISOString();
    expect(en).toContain(`<time id="received-at" datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`);
    expect(en).toContain('<script src="/static/receipt.js" defer></script>');
  });

  test('never cached by a shared cache, never indexed, never named to another site', async () => {
    const { key } = await send();
    for (const res of [await receipt(key), await receipt(newKey())]) {
      expect(res.headers.get('cache-control')).toBe('no-store, private');
      expect(res.headers.get('x-robots-tag')).toBe('noindex, nofollow');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect(await receiptText(key)).toContain('<meta name="robots" content="noindex, nofollow">');
  });

  test('without the right key: a plain 404, the same for an unknown and a malformed key, in about the same time', async () => {
    const { key } = await send();
    const keys = { unknown: newKey(), malformed: 'abc', long: 'A'.repeat(300), odd: encodeURIComponent('ключ!*'), near: key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A') };
    const bodies = new Set<string>();
    for (const k of Object.values(keys)) {
      const res = await receipt(k);
      expect(res.status).toBe(404);
      bodies.add((await res.text()).replace(k, '').replace(decodeURIComponent(k), ''));
    }
    expect(bodies.size).toBe(1);
    // Both paths hash the key and look it up: medians of many tries stay within a few milliseconds.
    const median = async (k: string) => {
      const times: number[] = [];
      for (let i = 0; i < 25; i += 1) {
        const started = process.hrtime.bigint();
        await (await receipt(k)).text();
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return times.sort((a, b) => a - b)[12]!;
    };
    const [unknown, malformed] = [await median(newKey()), await median('abc')];
    expect(Math.abs(unknown - malformed)).toBeLessThan(Math.max(5, unknown * 0.5));
  });

  test('"save the receipt" is one JSON file that both verifiers accept with the pinned key alone', async () => {
    const { key, jpeg } = await send('IMG_0001.jpg');
    await signTreeHeadIfGrown(system.workerCtx, { force: true });
    const page = await receiptText(key);
    const json = /id="log-receipt-json" href="data:application\/json;charset=utf-8,([^"]+)"/.exec(page)?.[1];
    expect(json).toBeTruthy();
    const saved = JSON.parse(decodeURIComponent(unescapeHtml(json!))) as LogReceipt;
    expect(saved.files[0]!.sth).toBeDefined();
    const logKey = (await (await fetch(`${system.url}/api/v1/log/key`)).json()) as { vkey: string; fingerprint: string };
    expect(page).toContain(`<code id="log-key-fingerprint" class="hash">${logKey.fingerprint}</code>`);
    const receiptFile = path.join(dir, 'receipt.json');
    const photo = path.join(dir, 'IMG_0001.jpg');
    await fs.writeFile(receiptFile, JSON.stringify(saved));
    await fs.writeFile(photo, jpeg);
    const cli = await verifier([...typescriptScript('scripts/verify.ts'), photo, '--receipt', receiptFile, '--key', logKey.vkey]);
    const standalone = await verifier(['scripts/verify-receipt.mjs', photo, '--receipt', receiptFile, '--key', logKey.vkey]);
    expect([cli.code, standalone.code]).toEqual([0, 0]);
    expect(cli.out).toContain('VERIFIED');
    expect(standalone.out).toContain('VERIFIED');
    // Another file with the same receipt fails: the verifiers check something.
    await fs.writeFile(photo, await randomJpeg());
    expect((await verifier(['scripts/verify-receipt.mjs', photo, '--receipt', receiptFile, '--key', logKey.vkey])).code).not.toBe(0);
  }, 120_000);

  test('"forget" asks the browser to clear everything of the site, and only from this site', async () => {
    const res = await fetch(`${system.url}/forget`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/forgotten');
    expect(res.headers.get('clear-site-data')).toBe('"cache", "cookies", "storage"');
    const forgotten = await fetch(`${system.url}/forgotten`);
    expect(forgotten.status).toBe(200);
    expect(forgotten.headers.get('set-cookie')).toBeNull();
    const crossSite = await fetch(`${system.url}/forget`, { method: 'POST', redirect: 'manual', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('clear-site-data')).toBeNull();
  });

  test('needs more information: the question reaches the observer, whose answer and file reach the moderator; the entry is back in the queue, marked, audited', async () => {
    const { key, id } = await send();
    const moderator = await loggedInClient(system.ctx, system.url);
    const question = 'Где именно это снято? Есть ли кадр с номером участка?';
    expect((await decideFromPage(moderator, id, { action: 'needs_info', reason: question })).status).toBe(303);

    // The holder of the key sees the question (never who asked) and a form to answer it.
    const observer = new Client(system.url);
    const { body: page } = await observer.page(`/receipt/${key}`);
    expect(stateOf(page)).toBe('needs_info');
    expect(page).toContain(question);
    expect(page).not.toContain(moderator.email);
    const questionId = /name="question_id" value="([0-9a-f-]{36})"/.exec(page)?.[1];
    expect(questionId).toBeTruthy();

    // Nothing to say is refused; without the key nothing can be answered.
    const empty = await observer.fetch(`/receipt/${key}/answer`, { method: 'POST', body: submissionForm({ _csrf: observer.csrf, question_id: questionId!, body: '' }, []) });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Write your answer or add a photo or video.');
    const stranger = await observer.fetch(`/receipt/${newKey()}/answer`, { method: 'POST', body: submissionForm({ _csrf: observer.csrf, question_id: questionId!, body: 'x' }, []) });
    expect(stranger.status).toBe(404);

    // The answer with one more photo, without JavaScript: back to the receipt (Post/Redirect/Get).
    const extra = await randomJpeg();
    const answer = 'Снято в помещении УИК 8050, второй кадр — табличка у входа.';
    const sent = await observer.fetch(`/receipt/${key}/answer`, {
      method: 'POST',
      body: submissionForm({ _csrf: observer.csrf, question_id: questionId!, body: answer }, [{ name: 'entrance.jpg', data: extra, type: 'image/jpeg' }]),
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`/receipt/${key}#conversation`);
    const after = await receiptText(key);
    expect(after).toContain(answer);
    expect(after).toContain(sha256(extra)); // the new file is on the receipt, with its own log leaf
    expect(after).not.toContain('id="answer-form"');
    const again = await observer.fetch(`/receipt/${key}/answer`, { method: 'POST', body: submissionForm({ _csrf: observer.csrf, question_id: questionId!, body: 'second' }, []) });
    expect(again.status).toBe(303); // the same question answered already: the first answer stands
    expect(await receiptText(key)).not.toContain('second');

    // Back in the queue: pending, undecided, marked answered; the same submission holds the new file.
    const { rows } = await system.ctx.db.query<{ status: string; decided_at: Date | null; answered_at: Date | null; files: number; leaves: number }>(
      `SELECT s.status, s.decided_at, s.answered_at,
              (SELECT count(*)::int FROM media_files m WHERE m.submission_id = s.id) AS files,
              (SELECT count(*)::int FROM media_files m JOIN tlog_media_leaves l ON l.media_file_id = m.id WHERE m.submission_id = s.id) AS leaves
         FROM submissions s WHERE s.id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ status: 'pending', decided_at: null, answered_at: expect.any(Date), files: 2, leaves: 2 });
    const queue = (await moderator.page('/moderation?sort=newest')).body;
    expect(queue).toMatch(new RegExp(`data-entry="${id}"[\\s\\S]*?class="badge answered"`));
    const review = (await moderator.page(`/moderation/submissions/${id}`)).body;
    expect(review).toContain('id="conversation"');
    expect(review).toContain(question);
    expect(review).toContain(answer);
    expect(review).toMatch(/<a href="#file-[0-9a-f-]{36}">entrance\.jpg<\/a>/);
    const audit = await system.ctx.db.query<{ actor_label: string; action: string; after: { question_id: string; files: string[]; status: string } }>(
      `SELECT actor_label, action, after FROM audit_log WHERE entity_id = $1 AND action IN ('submission.needs_info', 'submission.answer') ORDER BY seq`,
      [id],
    );
    expect(audit.rows.map((r) => [r.action, r.actor_label])).toEqual([
      ['submission.needs_info', moderator.email],
      ['submission.answer', 'anonymous:observer'],
    ]);
    expect(audit.rows[1]!.after).toMatchObject({ question_id: questionId, files: [sha256(extra)], status: 'pending' });
    // The database holds the rule too: back to pending only with an answer of the same transaction,
    // and an answer only to a needs_info question of the same submission.
    expect((await decideFromPage(moderator, id, { action: 'needs_info', reason: 'One more thing?' })).status).toBe(303);
    await expect(system.ctx.db.query(`UPDATE submissions SET status = 'pending', decided_at = NULL WHERE id = $1`, [id])).rejects.toThrow(/changes only with a decision/);
    const verifyLike = await system.ctx.db.query<{ id: string }>(`SELECT id FROM decisions WHERE submission_id <> $1 AND action = 'needs_info' LIMIT 1`, [id]);
    const other = verifyLike.rows[0]?.id ?? '00000000-0000-0000-0000-000000000000';
    await expect(system.ctx.db.query('INSERT INTO observer_answers (submission_id, question_id, body) VALUES ($1, $2, $3)', [id, other, 'x'])).rejects.toThrow(/foreign key/);
    // The moderator decides again from there, as for any pending entry.
    expect((await decideFromPage(moderator, id, { action: 'reject', reason_code: 'unverifiable', reason: 'still unclear' })).status).toBe(303);
    expect(stateOf(await receiptText(key))).toBe('not_published');
  });

  test('the printable receipt: a QR code of the receipt’s absolute address drawn on the server, each file’s SHA-256, nothing without the key', async () => {
    const { key, jpeg } = await send();
    const page = await receiptText(key);
    expect(page).toContain(`id="receipt-print" href="/receipt/${key}/print"`);
    const res = await receipt(`${key}/print`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store, private');
    const printable = await res.text();
    const url = `${system.url}/receipt/${key}`;
    expect(printable).toContain(`<code id="receipt-url" class="hash">${url}</code>`);
    expect(printable).toContain(sha256(jpeg));
    expect(printable).not.toMatch(/<script[^>]+src="(?!\/static\/)/); // no third-party script
    // The SVG's modules form a QR symbol for this address: the size of the version that holds it
    // (byte mode, level M) and the three finder patterns in their corners.
    const svg = /<svg class="qr"[^>]*aria-label="([^"]+)" data-modules="(\d+)"[^>]*>.*?<path d="([^"]+)"/.exec(printable);
    expect(svg?.[1]).toBe(url);
    const n = Number(svg![2]);
    const version = (n - 17) / 4;
    const capacityM = [0, 14, 26, 42, 62, 84, 106, 122, 152, 180, 213];
    expect(capacityM[version]! >= Buffer.byteLength(url) && capacityM[version - 1]! < Buffer.byteLength(url)).toBe(true);
    const dark = new Set([...svg![3].matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => `${Number(m[2]) - 4},${Number(m[1]) - 4}`));
    const finderAt = (r0: number, c0: number) =>
      [...Array(7).keys()].every((r) => [...Array(7).keys()].every((c) => dark.has(`${r0 + r},${c0 + c}`) === (r === 0 || r === 6 || c === 0 || c === 6 || (r >= 2 && r <= 4 && c >= 2 && c <= 4))));
    expect([finderAt(0, 0), finderAt(0, n - 7), finderAt(n - 7, 0), finderAt(n - 7, n - 7)]).toEqual([true, true, true, false]);
    expect((await receipt(`${newKey()}/print`)).status).toBe(404);
  });
});
