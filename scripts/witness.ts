/**
 * `npm run witness`: a C2SP tlog-witness that partner organisations run beside Svidetel's log. It
 * has its own Ed25519 key and its own state, answers POST /add-checkpoint (domain/transparency/
 * witness.ts) and cosigns per tlog-cosignature/v1 only checkpoints that are consistent with the
 * last one it cosigned for that log. A checkpoint signed by the log but inconsistent with that one
 * (a fork, a rollback, a rewrite) is refused, and both checkpoints are kept in the state file's
 * `conflicts` as proof.
 *
 *   npm run witness -- --name witness.example.org/w1 --trust logs.txt [--port 7380] [--host 127.0.0.1]
 *                      [--key witness-key.pem] [--state witness-state.json]
 *
 * --trust: a trust file (domain/transparency/trust-file.ts) whose `log <vkey>` lines are the logs
 * this witness follows, pinned out of band. The key file is created (mode 0600) on first start;
 * the witness prints its verifier key (name+id+key, type 0x04) to give to the log and to verifiers.
 * The state is one JSON file replaced atomically (write, fsync, rename) before each answer.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createKeyPair, keyFingerprint } from '../domain/transparency/checkpoint';
import { witnessVkeyFor } from '../domain/transparency/cosignature';
import { parseTrustFile } from '../domain/transparency/trust-file';
import { addCheckpoint, logKeysByOrigin, type WitnessedHead, type WitnessStore } from '../domain/transparency/witness';
import { createKeyFile, readKeyFile } from '../infra/secrets/key-file';

const MAX_BODY = 64 * 1024;

type StateFile = {
  version: 1;
  logs: Record<string, WitnessedHead>;
  conflicts: { origin: string; at: string; reason: string; cosigned: string; refused: string }[];
};

/** The state file, read once and replaced whole on every change, one change at a time. */
export async function fileWitnessStore(file: string): Promise<WitnessStore> {
  let state: StateFile = { version: 1, logs: {}, conflicts: [] };
  try {
    state = JSON.parse(await fs.readFile(file, 'utf8')) as StateFile;
    if (state.version !== 1 || typeof state.logs !== 'object') throw new Error(`${file} is not a witness state file`);
    state.conflicts ??= [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let queue: Promise<unknown> = Promise.resolve();
  const save = async () => {
    const temp = `${file}.${process.pid}.tmp`;
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state, null, 2));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  };
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    update: (origin, fn) =>
      serial(async () => {
        const { store, result } = await fn(state.logs[origin] ?? null);
        if (store) {
          state.logs[origin] = store;
          await save();
        }
        return result;
      }),
    // Called inside update (under its turn): saved at once, not queued behind itself.
    async recordConflict(origin, latest, refused, reason) {
      state.conflicts.push({ origin, at: new Date().toISOString(), reason, cosigned: latest.note, refused });
      await save();
    },
  };
}

export async function loadWitnessKey(keyPath: string): Promise<KeyObject> {
  let pem = await readKeyFile(keyPath);
  if (pem === null) ({ pem } = await createKeyFile(keyPath, createKeyPair().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${keyPath} does not hold an Ed25519 private key`);
  return key;
}

export type RunningWitness = { url: string; vkey: string; close(): Promise<void> };

export async function startWitness(opts: { name: string; privateKey: KeyObject; logVkeys: readonly string[]; store: WitnessStore; port?: number; host?: string }): Promise<RunningWitness> {
  const identity = { name: opts.name, privateKey: opts.privateKey, logs: logKeysByOrigin(opts.logVkeys), store: opts.store, now: () => new Date() };
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
    if (req.url !== '/add-checkpoint') return void send(404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'POST') return void send(405, 'text/plain; charset=utf-8', 'POST only\n');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      addCheckpoint(identity, Buffer.concat(chunks).toString('utf8')).then(
        (a) => send(a.status, a.contentType, a.body),
        (err: Error) => send(500, 'text/plain; charset=utf-8', `${err.message}\n`),
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    vkey: witnessVkeyFor(opts.name, opts.privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const name = flag(argv, 'name');
  const trust = flag(argv, 'trust');
  if (!name || !trust) {
    console.error('usage: npm run witness -- --name <witness name, e.g. witness.example.org/w1> --trust <trust file with log lines> [--port 7380] [--host 127.0.0.1] [--key witness-key.pem] [--state witness-state.json]');
    process.exit(2);
  }
  const logs = parseTrustFile(readFileSync(trust, 'utf8')).logKeys;
  if (logs.length === 0) throw new Error(`${trust} lists no log keys ("log <vkey>" lines)`);
  const privateKey = await loadWitnessKey(path.resolve(flag(argv, 'key') ?? 'witness-key.pem'));
  const store = await fileWitnessStore(path.resolve(flag(argv, 'state') ?? 'witness-state.json'));
  const w = await startWitness({ name, privateKey, logVkeys: logs, store, port: Number(flag(argv, 'port') ?? 7380), host: flag(argv, 'host') ?? '127.0.0.1' });
  console.log(`witness ${name} listening at ${w.url}/add-checkpoint for ${logs.length} log key(s)`);
  console.log(`witness key (give it to the log's LOG_WITNESSES and to verifiers' trust files as "witness <vkey>"):\n  ${w.vkey}\n  fingerprint ${keyFingerprint(privateKey)}`);
  const stop = () => void w.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`witness: ${err.message}`);
    process.exit(1);
  });
}
