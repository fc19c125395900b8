import { Client } from '../helpers/http';
import { startFaultSystem, uploadPhotos, type FaultSystem } from '../helpers/fault-system';
import { waitFor } from '../helpers/system';

/**
 * Redis stopped (SHUTDOWN NOSAVE: every job it held is gone): uploads are committed to PostgreSQL
 * and answered without waiting for it, and what arrived meanwhile is processed within seconds of
 * its return, enqueued again from PostgreSQL.
 */
describe('Redis away', () => {
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  const unfinished = async () =>
    (await system.ownerDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM media_files WHERE status <> 'ready'`)).rows[0]!.n;

  test('uploads are answered at once while Redis is down and processed within seconds of its return', async () => {
    const client = new Client(system.url);
    const warm = await uploadPhotos(client, 1);
    expect(warm.status).toBe(201);
    await waitFor(async () => (await unfinished()) === 0, 30_000, 'the first upload processed');

    await system.redis.stop();
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await uploadPhotos(client, 2));
    for (const o of outcomes) {
      expect(o.status).toBe(201);
      expect(o.ms).toBeLessThan(2000); // it waited 3 s for the enqueue to time out
    }
    expect(await unfinished()).toBe(12);

    // Ready: PostgreSQL and storage answer; Redis is reported, and does not take the API out.
    const ready = await fetch(`${system.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { redis: string } }).checks.redis).not.toBe('ok');

    await system.redis.start(); // empty
    const back = Date.now();
    await waitFor(async () => (await unfinished()) === 0, 30_000, 'every file processed after Redis returned');
    expect(Date.now() - back).toBeLessThan(15_000);
    expect(((await (await fetch(`${system.url}/readyz`)).json()) as { checks: { redis: string } }).checks.redis).toBe('ok');
  });
});
