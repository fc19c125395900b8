import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { Client, SUBMISSION_FIELDS, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, formVersion } from '../helpers/moderation';
import { processedFiles, startSystem, type TestSystem } from '../helpers/system';

/**
 * Issue 18, items 2 and 4 over HTTP: a decision taken on an entry opened from the queue redirects
 * to that queue's next entry nobody else is reviewing (same filter), then to the queue saying it
 * is empty; the live queue's poll answers 304 until something changes; "my region" is kept on the
 * account and filters the queue.
 */
describe('the review queue: next entry after a decision, live poll, my region', () => {
  let system: TestSystem;
  const marker = randomUUID().slice(0, 8);
  const region = `Next region ${marker}`;

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function submitOne(description: string) {
    const data = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#553377' } }).jpeg().toBuffer();
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region, description }, [{ name: 'p.jpg', data }]);
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  }
  const inQueue = (id: string, extra = '') => `/moderation/submissions/${id}?${new URLSearchParams({ region, from: 'queue' })}${extra}`;

  test('each decision opens the next entry of the same queue, skipping one another moderator holds; then the queue says it is empty', async () => {
    const ids = [await submitOne(`first ${marker}`), await submitOne(`second ${marker}`), await submitOne(`third ${marker}`)];
    for (const id of ids) await processedFiles(system, id);
    const [me, other] = [await loggedInClient(system.ctx, system.url), await loggedInClient(system.ctx, system.url)];
    await other.page(`/moderation/submissions/${ids[1]}`); // claims the second

    let { body } = await me.page(inQueue(ids[0]!));
    expect(body).toContain(`action="${inQueue(ids[0]!).replace('/moderation/submissions/', '/moderation/submissions/').replace('?', '/decision?').replace(/&/g, '&amp;')}"`);
    const verified = await me.postForm(inQueue(ids[0]!).replace('?', '/decision?'), { version: formVersion(body), action: 'verify', ...ALL_CHECKS });
    expect(verified.status).toBe(303);
    expect(verified.headers.get('location')).toBe(`/moderation/submissions/${ids[2]}?${new URLSearchParams({ region, from: 'queue', decided: ids[0]! })}`);
    ({ body } = await me.page(verified.headers.get('location')!));
    expect(body).toContain('id="decided-notice"');

    const rejected = await me.postForm(inQueue(ids[2]!).replace('?', '/decision?'), { version: formVersion(body), action: 'reject', reason_code: 'other', reason: 'test' });
    expect(rejected.headers.get('location')).toBe(`/moderation?${new URLSearchParams({ region, decided: ids[2]! })}`);
    expect((await me.page(rejected.headers.get('location')!)).body).toContain('Nothing more waits in this queue for you.');

    // opened by its own link, an entry shows its new state after the decision
    ({ body } = await other.page(`/moderation/submissions/${ids[1]}`));
    const direct = await other.postForm(`/moderation/submissions/${ids[1]}/decision`, { version: formVersion(body), action: 'reject', reason_code: 'other', reason: 'test' });
    expect(direct.headers.get('location')).toBe(`/moderation/submissions/${ids[1]}`);
  }, 120_000);

  test('the live poll answers 304 while nothing changes, and a new submission changes its counts', async () => {
    const me = await loggedInClient(system.ctx, system.url);
    const first = await me.fetch('/moderation/live');
    expect(first.status).toBe(200);
    const state = (await first.json()) as { counts: Record<string, number>; flags: Record<string, number> };
    const etag = first.headers.get('etag')!;
    const again = await me.fetch('/moderation/live', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    await submitOne(`live ${marker}`);
    const after = await me.fetch('/moderation/live', { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as typeof state).counts.pending).toBe(state.counts.pending + 1);
    expect((await me.fetch('/moderation/live?status=nonsense')).status).toBe(400);
  }, 60_000);

  test('"my region" is kept on the account and filters the queue', async () => {
    const me = await loggedInClient(system.ctx, system.url);
    await me.page('/moderation');
    const saved = await me.postForm('/moderation/my-region', { region });
    expect(saved.headers.get('location')).toBe(`/moderation?${new URLSearchParams({ region })}`);
    const { body } = await me.page('/moderation');
    expect(body).toContain(`id="my-region-link"`);
    expect(body).toContain(`href="/moderation?${new URLSearchParams({ region }).toString().replace(/&/g, '&amp;')}" id="my-region-link"`);
    expect((await me.postForm('/moderation/my-region', { region: 'x'.repeat(201) })).status).toBe(400);
  }, 60_000);
});
