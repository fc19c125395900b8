import fs from 'node:fs/promises';
import path from 'node:path';
import * as mediaRepo from '../../db/media.repo';
import { Client, loggedInClient } from '../helpers/http';
import { startFaultSystem, uploadPhotos, type FaultSystem } from '../helpers/fault-system';
import { waitFor } from '../helpers/system';

/**
 * Retries match real outages: a PostgreSQL outage longer than the old 30 s of retries does not drop
 * jobs, and processing resumes within seconds of its return; a file that keeps failing past the
 * retry window waits in PostgreSQL as waiting_retry with its reason, visible to admins, and the
 * sweep takes it up again.
 */
/** The two cases' systems: each its own PostgreSQL and Redis, started together, so that the second case runs during the first's outage. */
let outage: FaultSystem;
let failing: FaultSystem;
const statuses = async (system: FaultSystem, submissionId: string) => (await mediaRepo.listMediaFiles(system.ownerDb, submissionId)).map((f) => f.status);

/**
 * The two cases share nothing but the wait: the first spends 45 s with its PostgreSQL stopped, so they
 * run concurrently (test.concurrent, after the shared beforeAll) instead of one after the other.
 */
describe('retries', () => {
  const OUTAGE_MS = 45_000;

  beforeAll(async () => {
    [outage, failing] = await Promise.all([
      // default retry and sweep settings
      startFaultSystem({ worker: false }),
      startFaultSystem({
        worker: false,
        // Short so the test can see a file parked and swept again; the defaults are 60 and 10 min.
        env: { RETRY_WINDOW_MINUTES: '0.2', STALE_JOB_MINUTES: '0.1', SWEEP_INTERVAL_SECONDS: '1' },
      }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([outage?.close(), failing?.close()]);
  });

  test.concurrent(`a long PostgreSQL outage (default retry and sweep settings): after a ${OUTAGE_MS / 1000} s outage, processing resumes within 15 s of its return`, async () => {
    const system = outage;
    const client = new Client(system.url);
    const uploads = [];
    for (let i = 0; i < 3; i++) uploads.push(await uploadPhotos(client, 2));
    const ids = uploads.map((u) => (u.body as { submissionId: string }).submissionId);

    await system.pg.stop();
    await system.startWorker(); // its jobs fail, again and again, for the whole outage
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await system.pg.start();
    const back = Date.now();
    await waitFor(async () => {
      for (const id of ids) if (!(await statuses(system, id)).every((s) => s === 'ready')) return false;
      return true;
    }, 60_000, 'every file processed after PostgreSQL returned');
    expect(Date.now() - back).toBeLessThan(15_000);
  }, 120_000);

  test.concurrent('a file that keeps failing: past the retry window it waits as waiting_retry with its reason, shown to admins, and is retried by the sweep', async () => {
    const system = failing;
    await system.stopWorker();
    const upload = await uploadPhotos(new Client(system.url), 1);
    const submissionId = (upload.body as { submissionId: string }).submissionId;
    const [file] = await mediaRepo.listMediaFiles(system.ownerDb, submissionId);
    // The original is unreadable for a while (a store being restored): a transient I/O failure.
    const original = path.join(system.storageDir, 'originals', file!.sha256.slice(0, 2), file!.sha256.slice(2, 4), file!.sha256);
    await fs.rename(original, `${original}.away`);
    await system.startWorker();

    const parked = await waitFor(async () => {
      const f = await mediaRepo.findMediaFile(system.ownerDb, file!.id);
      return f?.status === 'waiting_retry' ? f : null;
    }, 60_000, 'the file parked as waiting_retry');
    expect(parked.retry_reason).toMatch(/ENOENT|no such file/i);
    expect(parked.failure_reason).toBeNull();

    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const res = await admin.fetch('/api/v1/admin/processing');
    expect(res.status).toBe(200);
    const overview = (await res.json()) as { waiting_retry: number; waiting_retry_files: { id: string; reason: string }[]; oldest_unfinished_received_at: string };
    expect(overview.waiting_retry).toBe(1);
    expect(overview.waiting_retry_files).toEqual([expect.objectContaining({ id: file!.id, reason: parked.retry_reason })]);
    expect(overview.oldest_unfinished_received_at).not.toBeNull();
    const queue = await admin.page('/moderation');
    expect(queue.body).toMatch(/id="processing-status">Free disk: [^<]+ · Waiting to be processed: 1 file, /);
    // The admins' page lists it with the reason (the same overview, for a person).
    const page = await admin.page('/admin/processing');
    expect(page.res.status).toBe(200);
    expect(page.body).toContain(`#file-${file!.id}">`);
    expect(page.body).toContain(parked.retry_reason!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));

    await fs.rename(`${original}.away`, original);
    await waitFor(async () => (await statuses(system, submissionId))[0] === 'ready', 60_000, 'the parked file processed by the sweep');
    expect((await mediaRepo.findMediaFile(system.ownerDb, file!.id))!.retry_reason).toBeNull();
  }, 120_000);
});
