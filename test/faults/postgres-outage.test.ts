import * as mediaRepo from '../../db/media.repo';
import { Client } from '../helpers/http';
import { errorMessage, startFaultSystem, uploadPhotos, type FaultSystem, type UploadOutcome } from '../helpers/fault-system';
import { waitFor } from '../helpers/system';

/**
 * PostgreSQL restarted under upload load (pg_ctl stop -m fast cuts every session, also those in the
 * middle of a transaction): the API and the worker stay up, an upload meanwhile is told the truth
 * (503, Retry-After, nothing was received), and everything works again within seconds of its return.
 */
describe('a PostgreSQL restart under load', () => {
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  test('uploads get a true 503 while it is down, the processes survive, and uploads and processing resume within seconds', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, async () => {
      const c = new Client(system.url);
      await c.page('/');
      return c;
    }));
    const russian = new Client(system.url, 'ru');
    await russian.page('/');

    // Uploads from six observers at once, without pause, while PostgreSQL is stopped under them.
    const outcomes: UploadOutcome[] = [];
    let loading = true;
    const load = clients.map(async (c) => {
      while (loading) outcomes.push(await uploadPhotos(c, 2));
    });
    await waitFor(async () => outcomes.filter((o) => o.status === 201).length >= 6, 60_000, 'uploads under load');
    await system.pg.stop();
    const stoppedAt = outcomes.length;
    await waitFor(async () => outcomes.length >= stoppedAt + 12, 60_000, 'uploads while PostgreSQL is down');
    const ru = await uploadPhotos(russian, 1);
    loading = false;
    await Promise.all(load);

    const duringOutage = outcomes.slice(stoppedAt + 6); // the first ones may have been committed just before
    for (const o of duringOutage) {
      expect(o.status).toBe(503);
      expect(o.retryAfter).toBe('30');
      expect((o.body?.error as { code: string }).code).toBe('archive_unavailable');
      expect(errorMessage(o)).toBe('The archive cannot accept files this minute. Nothing was received; your files are still on your phone. Try again in 30 s.');
    }
    for (const o of outcomes) {
      expect([201, 503]).toContain(o.status); // never a 500 "Nothing you sent was lost"
      expect(errorMessage(o)).not.toMatch(/was lost/);
    }
    expect(ru.status).toBe(503);
    expect(errorMessage(ru)).toBe('Архив не может принять файлы в эту минуту. Ничего не получено: ваши файлы остались на вашем телефоне. Повторите через 30 с.');

    // The readiness check says so too, while liveness stays green.
    expect((await fetch(`${system.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${system.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { checks: { postgres: string } }).checks.postgres).not.toBe('ok');

    await system.pg.start();
    const back = Date.now();
    const after = await waitFor(async () => {
      const o = await uploadPhotos(clients[0]!, 1);
      return o.status === 201 ? o : null;
    }, 20_000, 'an upload to succeed after PostgreSQL returned');
    expect(Date.now() - back).toBeLessThan(10_000);
    expect((await fetch(`${system.url}/readyz`)).status).toBe(200);

    // The worker survived too: what was received, before and after, becomes ready.
    const submissionId = (after.body as { submissionId: string }).submissionId;
    await waitFor(async () => (await mediaRepo.listMediaFiles(system.ownerDb, submissionId)).every((f) => f.status === 'ready'), 30_000, 'the new upload processed');
    await waitFor(async () => {
      const { rows } = await system.ownerDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM media_files WHERE status <> 'ready'`);
      return rows[0]!.n === 0;
    }, 60_000, 'every received file processed');
  });
});
