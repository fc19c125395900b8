/**
 * The peer of `npm run bench:ingest` (run by it as a child): `@tus/server` with `@tus/file-store` as
 * their documentation sets them up, plus the SHA-256 of each finished upload read back from its file
 * (a tus server cannot keep a hash across the requests of an upload), sent in an Upload-Sha256
 * header. A file of its own, so that its memory is the peer's and not the bench's.
 * Env: PORT, BENCH_DIR (where the file store keeps the uploads).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

async function main(): Promise<void> {
  const { Server } = await import('@tus/server');
  const { FileStore } = await import('@tus/file-store');
  const directory = process.env.BENCH_DIR!;
  const tus = new Server({
    path: '/files',
    datastore: new FileStore({ directory }),
    async onUploadFinish(_req, upload) {
      const hash = createHash('sha256');
      await pipeline(createReadStream(path.join(directory, upload.id)), hash);
      return { headers: { 'Upload-Sha256': hash.digest('hex') } };
    },
  });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return void res.end('{"ok":true}');
    void tus.handle(req, res);
  });
  server.requestTimeout = 0;
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.once('SIGTERM', () => process.exit(0));
}

void main();
