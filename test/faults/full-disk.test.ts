import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { Client, SUBMISSION_FIELDS, uploadSubmission } from '../helpers/http';
import { startFaultSystem, uploadPhotos, type FaultSystem } from '../helpers/fault-system';
import { waitFor } from '../helpers/system';

const run = promisify(execFile);

/**
 * A real small filesystem (a 16 MiB tmpfs the test mounts, as root) as STORAGE_DIR, filled to the
 * last byte: an upload that runs into the full disk is a 507 that says so, and processing that
 * runs into it is retried (never marked failed) and finishes once space returns.
 */
const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn('full-disk fault tests need root to mount a tmpfs: skipped'); // eslint-disable-line no-console
const describeAsRoot = asRoot ? describe : describe.skip;

/** Writes a file until the filesystem is full, leaving `leaveBytes` free; returns its path. */
async function fillDisk(dir: string, leaveBytes: number): Promise<string> {
  const filler = path.join(dir, `filler-${Date.now()}`);
  const handle = await fs.open(filler, 'w');
  try {
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (;;) {
      const free = (await fs.statfs(dir)).bavail * (await fs.statfs(dir)).bsize;
      if (free <= leaveBytes) break;
      try {
        await handle.write(free - leaveBytes < chunk.length ? chunk.subarray(0, free - leaveBytes) : chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
  } finally {
    await handle.close();
  }
  return filler;
}

describeAsRoot('a full disk', () => {
  let mountPoint: string;
  let system: FaultSystem;

  beforeAll(async () => {
    mountPoint = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-tmpfs-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
    system = await startFaultSystem({ worker: false, storageDir: mountPoint });
  });
  afterAll(async () => {
    await system?.close();
    await run('umount', [mountPoint]).catch(() => undefined);
    await fs.rm(mountPoint, { recursive: true, force: true });
  });

  test('an upload that meets a full disk is told 507, not that its form was malformed', async () => {
    // Noise does not compress: each photo is about 160 KB.
    const noisy = () =>
      sharp(Buffer.from(Array.from({ length: 400 * 400 * 3 }, () => Math.floor(Math.random() * 256))), { raw: { width: 400, height: 400, channels: 3 } })
        .jpeg({ quality: 95 })
        .toBuffer();
    const clients = await Promise.all([0, 1, 2].map(async () => {
      const c = new Client(system.url);
      await c.page('/');
      return c;
    }));
    const photos = await Promise.all([0, 1, 2].map(noisy));
    // Room for the largest of them and a little more: each passes the reserve check, three at once do not fit.
    const filler = await fillDisk(mountPoint, Math.max(...photos.map((p) => p.length)) + 32 * 1024);
    try {
      const responses = await Promise.all(clients.map((c, i) => uploadSubmission(c, SUBMISSION_FIELDS, [{ name: `n${i}.jpg`, data: photos[i]! }])));
      const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } })));
      for (const b of bodies) expect([201, 507]).toContain(b.status);
      const refused = bodies.filter((b) => b.status === 507);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.body.error!.code).toBe('insufficient_storage');
        expect(r.body.error!.message).toMatch(/storage is almost full.*Nothing was stored/);
      }
    } finally {
      await fs.rm(filler);
    }
  });

  test('processing that meets a full disk is retried, never failed, and finishes when space returns', async () => {
    const upload = await uploadPhotos(new Client(system.url), 2);
    expect(upload.status).toBe(201);
    const submissionId = (upload.body as { submissionId: string }).submissionId;
    const filler = await fillDisk(mountPoint, 0);
    await system.startWorker();
    const noted = await waitFor(async () => {
      const files = await mediaRepo.listMediaFiles(system.ownerDb, submissionId);
      return files.every((f) => f.retry_reason) ? files : null;
    }, 60_000, 'the disk-full failure noted on the files');
    for (const f of noted) {
      expect(f.status).not.toBe('failed');
      expect(f.retry_reason).toMatch(/ENOSPC|no space/i);
    }
    await fs.rm(filler);
    await waitFor(async () => (await mediaRepo.listMediaFiles(system.ownerDb, submissionId)).every((f) => f.status === 'ready'), 90_000, 'the files processed once space returned');
  }, 150_000);
});
