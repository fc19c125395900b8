import type { FileHandle } from 'node:fs/promises';
import { wallClockMs, type FileDate } from './capture-time';

/**
 * AVCHD (.mts/.m2ts) cameras keep the capture date, make and model only in the H.264 stream:
 * an SEI "user data unregistered" message with UUID 17ee8c60-f84d-11d9-8cd6-0800200c9a66 followed
 * by "MDPM" (Modified DV Pack Meta). Layout as documented by exiftool's H264.pm: a count, then
 * 5-byte entries (tag, 4 data bytes). Tags 0x18+0x19: time zone byte + BCD date/time;
 * 0xe0: make code; 0xe4–0xe6: Sony model name.
 * We demultiplex the first MBs of the transport stream per PID and look for that message.
 */
export type AvchdMetadata = { date: FileDate | null; make: string | null; model: string | null };

const MDPM_SIGNATURE = Buffer.concat([
  Buffer.from('17ee8c60f84d11d98cd60800200c9a66', 'hex'),
  Buffer.from('MDPM', 'latin1'),
]);
const PACKETS_PER_READ = 5000; // ~1 MB
const MAX_SCAN_BYTES = 16 * 1024 * 1024;
const MAKES: Record<number, string> = { 0x0103: 'Panasonic', 0x0108: 'Sony', 0x1011: 'Canon', 0x1104: 'JVC' };

export async function readAvchdMetadata(file: FileHandle, fileSize: number): Promise<AvchdMetadata | null> {
  const head = Buffer.alloc(1024);
  const layout = packetLayout(head.subarray(0, (await file.read(head, 0, head.length, 0)).bytesRead));
  if (!layout) return null;
  const streams = new Map<number, Buffer[]>();
  const chunkBytes = layout.stride * PACKETS_PER_READ; // whole packets, so none straddles two reads
  for (let pos = 0; pos < Math.min(fileSize, MAX_SCAN_BYTES); pos += chunkBytes) {
    const chunk = Buffer.alloc(chunkBytes);
    const { bytesRead } = await file.read(chunk, 0, chunkBytes, pos);
    if (bytesRead === 0) break;
    demultiplex(chunk.subarray(0, bytesRead), layout, streams);
    for (const parts of streams.values()) {
      const found = parseMdpm(Buffer.concat(parts));
      if (found) return found;
    }
  }
  return null;
}

function packetLayout(head: Buffer): { stride: number; syncAt: number } | null {
  for (const [stride, syncAt] of [[188, 0], [192, 4]] as const) {
    if (head.length > syncAt + stride * 2 && head[syncAt] === 0x47 && head[syncAt + stride] === 0x47 && head[syncAt + stride * 2] === 0x47) {
      return { stride, syncAt };
    }
  }
  return null;
}

/** Appends each packet's payload (after the adaptation field) to its PID's list. */
function demultiplex(buf: Buffer, layout: { stride: number; syncAt: number }, streams: Map<number, Buffer[]>): void {
  for (let p = layout.syncAt; p + 188 <= buf.length; p += layout.stride) {
    if (buf[p] !== 0x47) continue;
    const pid = ((buf[p + 1]! & 0x1f) << 8) | buf[p + 2]!;
    const adaptation = (buf[p + 3]! >> 4) & 0x3;
    if (pid === 0x1fff || !(adaptation & 0x1)) continue;
    const payloadAt = p + 4 + (adaptation & 0x2 ? 1 + buf[p + 4]! : 0);
    if (payloadAt >= p + 188) continue;
    const parts = streams.get(pid) ?? [];
    parts.push(buf.subarray(payloadAt, p + 188));
    streams.set(pid, parts);
  }
}

function parseMdpm(stream: Buffer): AvchdMetadata | null {
  const at = stream.indexOf(MDPM_SIGNATURE);
  if (at === -1) return null;
  const payload = removeEmulationPrevention(stream.subarray(at + MDPM_SIGNATURE.length, at + MDPM_SIGNATURE.length + 1024));
  const count = payload[0] ?? 0;
  const entries = new Map<number, Buffer>();
  let lastTag = -1;
  for (let i = 0, pos = 1; i < count && pos + 5 <= payload.length; i++, pos += 5) {
    const tag = payload[pos]!;
    if (tag <= lastTag) break; // entries are sorted; anything else is not MDPM data
    lastTag = tag;
    entries.set(tag, payload.subarray(pos + 1, pos + 5));
  }
  const makeCode = entries.get(0xe0)?.readUInt16BE(0);
  const make = makeCode === undefined ? null : (MAKES[makeCode] ?? null);
  return { date: mdpmDate(entries.get(0x18), entries.get(0x19)), make, model: make === 'Sony' ? sonyModel(entries) : null };
}

/** H.264 inserts 0x03 after two zero bytes inside NAL units; the MDPM bytes are read without them. */
function removeEmulationPrevention(bytes: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of bytes) {
    if (zeros >= 2 && byte === 0x03) {
      zeros = 0;
      continue;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/**
 * Tag 0x18 = time zone byte + BCD century/year/month; 0x19 = BCD day/hour/minute/second.
 * Time zone byte: 0x20 sign (set = west), bits 1–4 hours, 0x01 half hour, 0x40 DST flag
 * (informational: the hours already include it, as exiftool prints it).
 */
function mdpmDate(first: Buffer | undefined, second: Buffer | undefined): FileDate | null {
  if (!first || !second) return null;
  const tz = first[0]!;
  const bcd = [...first.subarray(1), ...second].map(fromBcd);
  if (bcd.some((v) => v === null)) return null;
  const [c, yy, mo, d, h, mi, s] = bcd as number[];
  const wallMs = wallClockMs(c! * 100 + yy!, mo!, d!, h!, mi!, s!);
  if (wallMs === null) return null;
  const offsetMinutes = tz === 0xff ? null : (tz & 0x20 ? -1 : 1) * (((tz >> 1) & 0x0f) * 60 + (tz & 0x01 ? 30 : 0));
  return { wallMs, offsetMinutes };
}

const fromBcd = (byte: number) => ((byte >> 4) > 9 || (byte & 0x0f) > 9 ? null : (byte >> 4) * 10 + (byte & 0x0f));

function sonyModel(entries: Map<number, Buffer>): string | null {
  const parts = [0xe4, 0xe5, 0xe6].map((t) => entries.get(t)).filter((b): b is Buffer => b !== undefined);
  const name = Buffer.concat(parts).toString('latin1').replace(/\0.*$/s, '').trim();
  return name === '' ? null : name;
}
