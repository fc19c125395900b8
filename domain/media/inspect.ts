import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { detectFileType, SNIFF_BYTES, type MediaKind } from './file-type';
import { extractMetadata, type MediaMetadata } from './metadata';
import type { MediaToolkit } from '../ports/media-toolkit';

/**
 * What `npm run inspect` prints: the file's identity, then exactly the worker's metadata fields —
 * where nothing could be read (empty, unsupported, unreadable), the type fields are null and `error` says why.
 */
export type InspectRecord = {
  file: string;
  sha256: string;
  bytes: number;
  error: string | null;
} & Omit<MediaMetadata, 'kind' | 'mime' | 'format'> & { kind: MediaKind | null; mime: string | null; format: string | null };

/** Hashes (streamed), sniffs and reads one file. Never throws for bad media; I/O errors become `error`. */
export async function inspectFile(media: MediaToolkit, filePath: string): Promise<InspectRecord> {
  const record: InspectRecord = {
    file: filePath, sha256: '', bytes: 0, kind: null, mime: null, format: null, width: null, height: null, orientation: null,
    duration_s: null, taken_at_local: null, offset: null, offset_source: null, taken_at_utc: null,
    taken_at_utc_source: null, taken_at_source: null, gps: null, gps_source: null, make: null, model: null,
    software: null, apple_content_identifier: null, serial_numbers: [], flags: [], warnings: [], error: null,
  };
  try {
    const info = await stat(filePath);
    if (!info.isFile()) return { ...record, error: 'not a regular file' };
    record.bytes = info.size;
    record.sha256 = await sha256File(filePath);
    if (info.size === 0) return { ...record, error: 'the file is empty' };

    const type = detectFileType(await readHead(filePath));
    if (!type) return { ...record, error: 'not a supported photo or video format' };
    return { ...record, ...(await extractMetadata(media, filePath, type)) };
  } catch (e) {
    return { ...record, error: `cannot read the file: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function sha256File(filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(filePath)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

async function readHead(filePath: string): Promise<Buffer> {
  const file = await open(filePath, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
