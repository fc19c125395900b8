import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { DerivativeName } from '../../domain/media/derivatives';
import { DerivativeBytesMismatch, OriginalBytesMismatch, StoredOriginalDiffers, type BlobStore, type StoredBlob } from '../../domain/ports/blob-store';

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const stored = (bytes: Buffer): StoredBlob => ({
  size: bytes.length,
  stream: (range) => Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]),
  discard: () => undefined,
});

/**
 * A blob store in memory. Temp files are buffers named by a path (`receive` plays an upload into
 * one); originals and derivatives are maps. withOriginalFile alone touches the disk, because the
 * tools it serves read files: it writes the original to a temp file for the call.
 */
export class FakeBlobStore implements BlobStore {
  readonly temps = new Map<string, Buffer>();
  readonly originals = new Map<string, Buffer>();
  readonly derivatives = new Map<string, Buffer>();
  readonly logCopies = new Map<string, Buffer>();
  /** Every original removeUncommittedOriginal was asked to remove, in order. */
  readonly removed: string[] = [];
  free = Number.MAX_SAFE_INTEGER;
  readonly protection = { locked: false, summary: 'in memory (a test fake)' } as const;

  freeBytes = async () => this.free;

  async *listOriginals() {
    yield* this.originals.keys();
  }

  /** Originals held in memory are as old as the test. */
  async originalStoredAt(sha256: string) {
    return this.originals.has(sha256) ? new Date(0) : null;
  }

  async *listTempFiles() {
    for (const tempPath of this.temps.keys()) yield { path: tempPath, modifiedAt: new Date(0) };
  }

  createTempFile() {
    const tempPath = `/fake-temp/${randomUUID()}`;
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        chunks.push(chunk);
        this.temps.set(tempPath, Buffer.concat(chunks));
        done();
      },
    });
    this.temps.set(tempPath, Buffer.alloc(0));
    return { path: tempPath, stream };
  }

  async createEmptyTempFile() {
    const tempPath = `/fake-temp/${randomUUID()}`;
    this.temps.set(tempPath, Buffer.alloc(0));
    return tempPath;
  }

  /** A received upload: its temp path and SHA-256, as the upload route hands them to the service. */
  receive(bytes: Buffer): { tempPath: string; sha256: string; bytes: number } {
    const { path: tempPath } = this.createTempFile();
    this.temps.set(tempPath, bytes);
    return { tempPath, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  }

  removeTemp = async (tempPath: string) => {
    this.temps.delete(tempPath);
  };

  async putOriginal(tempPath: string, sha256: string) {
    const bytes = this.temps.get(tempPath);
    if (!bytes) throw new Error(`no temp file ${tempPath}`);
    this.temps.delete(tempPath);
    if (this.originals.has(sha256)) return { created: false };
    this.originals.set(sha256, bytes);
    return { created: true };
  }

  async storeCopyOfOriginal(sha256: string, open: () => Promise<StoredBlob | null>) {
    const here = this.originals.get(sha256);
    if (here) {
      const observed = sha256Of(here);
      if (observed !== sha256) throw new StoredOriginalDiffers(`other bytes under ${sha256}`, observed);
      return true;
    }
    const source = await open();
    if (!source) return false;
    const chunks: Buffer[] = [];
    for await (const chunk of source.stream()) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const observed = sha256Of(bytes);
    if (observed !== sha256) throw new OriginalBytesMismatch(`the copy of ${sha256} does not hash to it`, observed);
    this.originals.set(sha256, bytes);
    return true;
  }

  async removeOtherBytes(sha256: string) {
    const here = this.originals.get(sha256);
    if (!here) return 'absent' as const;
    if (sha256Of(here) === sha256) return 'right' as const;
    this.originals.delete(sha256);
    return 'removed' as const;
  }

  openOriginalForCopy = async (sha256: string) => this.openOriginal(sha256);

  async removeUncommittedOriginal(sha256: string) {
    this.removed.push(sha256);
    this.originals.delete(sha256);
  }

  async readOriginal(sha256: string) {
    const bytes = this.originals.get(sha256);
    if (!bytes) throw Object.assign(new Error(`no original ${sha256}`), { code: 'ENOENT' });
    return bytes;
  }

  openOriginal = async (sha256: string) => {
    const bytes = this.originals.get(sha256);
    return bytes ? stored(bytes) : null;
  };

  async withOriginalFile<T>(sha256: string, use: (filePath: string) => Promise<T>): Promise<T> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-fake-blob-'));
    const filePath = path.join(dir, sha256);
    try {
      await fs.writeFile(filePath, await this.readOriginal(sha256));
      return await use(filePath);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  writeDerivative = async (sha256: string, name: DerivativeName, data: Buffer) => {
    this.derivatives.set(`${sha256}/${name}`, data);
  };

  writeDerivativeFile = async (sha256: string, name: DerivativeName, filePath: string) => {
    const data = await fs.readFile(filePath);
    this.derivatives.set(`${sha256}/${name}`, data);
    return { sha256: sha256Of(data), bytes: data.length };
  };

  writeDerivativeFrom = async (sha256: string, name: DerivativeName, source: StoredBlob, dataSha256: string) => {
    const chunks: Buffer[] = [];
    for await (const chunk of source.stream() as AsyncIterable<Buffer>) chunks.push(chunk);
    const data = Buffer.concat(chunks);
    if (createHash('sha256').update(data).digest('hex') !== dataSha256) throw new DerivativeBytesMismatch(`derivative ${name} of ${sha256}: other bytes`);
    this.derivatives.set(`${sha256}/${name}`, data);
  };

  openDerivative = async (sha256: string, name: DerivativeName) => {
    const bytes = this.derivatives.get(`${sha256}/${name}`);
    return bytes ? stored(bytes) : null;
  };

  readonly logFiles = new Map<string, Buffer>();

  writeLogFile = async (name: string, data: Buffer) => {
    this.logFiles.set(name, data);
  };

  openLogFile = async (name: string) => {
    const bytes = this.logFiles.get(name);
    return bytes ? stored(bytes) : null;
  };
  writeLogCopy = async (name: string, data: Buffer) => {
    this.logCopies.set(name, data);
  };

  readLogCopy = async (name: string) => this.logCopies.get(name) ?? null;

  async *listDerivatives() {
    for (const [at, bytes] of this.derivatives) {
      const [key, name] = at.split('/') as [string, DerivativeName];
      yield { key, name, bytes: bytes.length };
    }
  }

  async *listLogCopies(prefix: string) {
    for (const name of this.logCopies.keys()) if (name.startsWith(prefix)) yield name;
  }
}
