/**
 * Issue 11, finding 10: only the worker (the component that signs tree heads) may load the log's
 * private key. The web-facing API hands out receipts and the public key without ever touching
 * the key file: here its LOG_KEY_PATH points below a regular file, so any attempt to read or
 * create it fails, and no key file may appear in its storage folder.
 */
import { createPublicKey } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { keyFingerprint, verifySthJson, vkeyFor, type SthJson } from '../../domain/transparency/checkpoint';
import type { ProofBundle, Receipt } from '../../domain/transparency/receipt';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { verifyReceiptFile } from '../../domain/transparency/verify';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { freshDatabaseUrl, listFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

type UploadResponse = { log_receipt: Receipt | null; log_receipt_text: string | null };
type LogKeyJson = { origin: string; vkey: string; fingerprint: string; public_key_pem: string };

describeWithFixtures('the log signing key stays with the worker', () => {
  let system: TestSystem;
  let storageDir: string;
  let workerKeyDir: string;
  const origin = 'svidetel.keytest/log';

  beforeAll(async () => {
    storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-api-only-'));
    workerKeyDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-worker-key-'));
    await fs.writeFile(path.join(storageDir, 'not-a-folder'), 'the API must never look for a key here\n');
    system = await startSystem({
      worker: false,
      storageDir,
      env: {
        DATABASE_URL: await freshDatabaseUrl('log_key'),
        LOG_ORIGIN: origin,
        LOG_KEY_PATH: path.join(storageDir, 'not-a-folder', 'log-ed25519.pem'),
        LOG_STH_INTERVAL_SECONDS: '3600',
      },
      workerEnv: { LOG_KEY_PATH: path.join(workerKeyDir, 'log-ed25519.pem') },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await fs.rm(storageDir, { recursive: true, force: true });
    await fs.rm(workerKeyDir, { recursive: true, force: true });
  });

  let first: UploadResponse;
  const photo = () => fileFromPath(fixturePath('macos-screenshot_noexif.png'));
  const upload = async (): Promise<UploadResponse> => {
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await photo()]);
    expect(res.status).toBe(201);
    return (await res.json()) as UploadResponse;
  };

  test('before the worker ever ran: uploads get receipts without a key, and no key file exists', async () => {
    first = await upload();
    expect(first.log_receipt).not.toBeNull();
    expect(first.log_receipt!.log_origin).toBe(origin);
    expect(first.log_receipt!.files).toHaveLength(1);
    expect(first.log_receipt!.key).toBeUndefined(); // not published yet: the receipt says where to get it
    expect(first.log_receipt_text).toContain(`${system.url}/api/v1/log/key`);
    const key = await fetch(`${system.url}/api/v1/log/key`);
    expect(key.status).toBe(503);
    expect(((await key.json()) as { error: { code: string } }).error.code).toBe('no_log_key');
    expect(await listFiles(storageDir)).not.toContainEqual(expect.stringMatching(/pem|keys/));
  });

  test("the worker's key signs the heads and the API serves its public key, still without reading the key file", async () => {
    await system.startWorker();
    const workerKey = createPublicKey(await fs.readFile(path.join(workerKeyDir, 'log-ed25519.pem'), 'utf8'));
    const vkey = vkeyFor(origin, workerKey);

    const served = (await (await fetch(`${system.url}/api/v1/log/key`)).json()) as LogKeyJson;
    expect(served).toMatchObject({ origin, vkey, fingerprint: keyFingerprint(workerKey) });
    expect(await (await fetch(`${system.url}/.well-known/svidetel-log-key`)).text()).toBe(`${vkey}\n`);
    // The worker signed the upload made before it started.
    const sth = await waitFor(async () => {
      const res = await fetch(`${system.url}/api/v1/log/sth`);
      return res.status === 200 ? ((await res.json()) as SthJson) : null;
    }, 30_000, 'a signed tree head');
    expect(verifySthJson(sth, vkey).treeSize).toBe(1);

    const second = await upload();
    expect(second.log_receipt!.key).toEqual({ vkey, fingerprint: keyFingerprint(workerKey) });
    expect(await listFiles(storageDir)).not.toContainEqual(expect.stringMatching(/pem|keys/));
  });

  test('the receipt given before the key was published verifies with the key given to the verifier', async () => {
    // The API's context cannot sign: its key path is unreadable. The worker signed the first upload at its start.
    await expect(signTreeHeadIfGrown(system.ctx, { force: true })).rejects.toThrow(/ENOTDIR/);
    const bundle = (await (await fetch(first.log_receipt!.files[0]!.proof_url!)).json()) as ProofBundle;
    const { vkey } = (await (await fetch(`${system.url}/api/v1/log/key`)).json()) as LogKeyJson;
    const file = (await photo()).data;
    expect(verifyReceiptFile({ file, receipt: first.log_receipt!, sth: bundle, key: vkey }).ok).toBe(true);
    const withoutKey = verifyReceiptFile({ file, receipt: first.log_receipt!, sth: bundle, trustOnFirstUse: true });
    expect(withoutKey.failed).toBe('signature');
    expect(withoutKey.steps.at(-1)!.detail).toContain('/api/v1/log/key');
  });
});
