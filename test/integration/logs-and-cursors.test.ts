import { Writable } from 'node:stream';
import { createAccountWithLink } from '../../domain/accounts/accounts.service';
import { loggedInClient } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';

/**
 * Issue 11, finding 16: what reaches the logs. A link token typed into a wrong path must never be
 * written (the request log names routes, not paths); a forged page cursor is the client's mistake
 * (a 400 saying so), not a 500 with a stack trace in the log. Reads every line the real server logs.
 */
describe('logs hold no secrets; malformed cursors are 400s', () => {
  let system: TestSystem;
  const lines: string[] = [];
  const logged = () => lines.join('');

  beforeAll(async () => {
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    system = await startSystem({ worker: false, logTo: capture, env: { LOG_LEVEL: 'trace', PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('a live set-password token in a mistyped or unknown path never reaches the log', async () => {
    const token = await createAccountWithLink(system.ctx, `log-${process.pid}-${Date.now()}@example.org`, 'moderator');
    const before = lines.length;
    const paths = [
      `/set-password/${token}/x`,
      `/set-password/${token}/`,
      `/setup/${token}/x`,
      `/${token}`,
      `/api/v1/${token}/x`,
      `/static/${token}`,
      `/moderation/${token}/x`,
      `/set-password/${token}`, // a matched route: its pattern is logged, not the token
    ];
    for (const path of paths) {
      const res = await fetch(`${system.url}${path}`, { redirect: 'manual' });
      await res.arrayBuffer();
      expect(res.status).toBeLessThan(500);
    }
    const post = await fetch(`${system.url}/set-password/${token}/x`, { method: 'POST', body: new URLSearchParams({ password: 'x' }) });
    await post.arrayBuffer();
    await new Promise((resolve) => setImmediate(resolve));
    const requestLines = lines.slice(before).filter((l) => l.includes('"msg":"request"'));
    expect(requestLines.length).toBeGreaterThanOrEqual(paths.length + 1); // every request was logged…
    expect(logged()).not.toContain(token); // …and none wrote the token
    expect(logged()).not.toContain(token.slice(0, 16));
    expect(requestLines.some((l) => l.includes('"path":"/set-password/:token"'))).toBe(true);
  });

  const cursor = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const someId = '00000000-0000-4000-8000-000000000000';
  // Each decodes; PostgreSQL refuses its time (a timezone displacement, a bare number, a year out of range).
  const forged = [
    'garbage',
    cursor({ s: 'published', k: '+275760-09-13', id: someId }),
    cursor({ s: 'published', k: '1', id: someId }),
    cursor({ s: 'captured', k: '12/31/1', id: someId }),
    cursor({ s: 'published', k: 'Jan 1 99999', id: someId }),
  ];

  test('forged cursors on the API, the search page and the station pages: 400 with an error, never a 500 or a stack trace', async () => {
    const before = lines.length;
    for (const after of forged) {
      for (const path of [`/api/v1/search?after=${after}`, `/api/v1/search?sort=captured&after=${after}`, `/api/v1/stations/1/Москва/1?after=${after}`]) {
        const res = await fetch(`${system.url}${encodeURI(path)}`);
        const body = (await res.json()) as { error?: { code: string; message: string } };
        expect([path, res.status]).toEqual([path, 400]);
        expect(body.error).toEqual({ code: 'bad_cursor', message: expect.stringMatching(/page link is malformed/) });
      }
      for (const path of [`/archive?after=${after}&lang=en`, `/stations/1/Москва/1?after=${after}&lang=en`]) {
        const res = await fetch(`${system.url}${encodeURI(path)}`);
        const page = await res.text();
        expect([path, res.status]).toEqual([path, 400]);
        expect(page).toContain('page link is malformed');
      }
    }
    const moderator = await loggedInClient(system.ctx, system.url);
    for (const after of ['garbage', Buffer.from(`+275760-09-13|${someId}`).toString('base64url'), Buffer.from(`1|${someId}`).toString('base64url')]) {
      const { res, body } = await moderator.page(`/moderation?after=${after}&lang=en`);
      expect([after, res.status]).toEqual([after, 400]);
      expect(body).toContain('page link is malformed');
    }
    const errors = lines.slice(before).filter((l) => /"level":(50|60)/.test(l) || l.includes('"stack"'));
    expect(errors).toEqual([]);
  });
});
