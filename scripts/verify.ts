/**
 * `npm run verify`: checks evidence against Svidetel's transparency log without trusting Svidetel.
 *
 * Receipt mode (offline):
 *   npm run verify -- <file> --receipt receipt.json [--sth sth-or-proof.json] (--key key | --trust keys.txt | --trust-on-first-use)
 *     Checks the file's SHA-256 against the receipt, the leaf record against its hash, the tree
 *     head's Ed25519 signature, and the inclusion proof against the signed root. --sth takes a
 *     signed tree head or the proof bundle from the receipt's proof_url; --key a verifier key
 *     (vkey), an Ed25519 public key PEM, or the JSON of /api/v1/log/key, as a file or literally;
 *     --trust a trust file (domain/transparency/trust-file.ts). Without a pinned key it refuses:
 *     --trust-on-first-use trusts the receipt's own key, and the verdict says so. --witnesses k
 *     requires k of the trust file's witnesses to have cosigned the head (C2SP tlog-cosignature).
 *     A head's RFC 3161 time-stamp, when present, is checked; --tsa-cert cert.pem pins the authority.
 *
 * Monitor mode:
 *   npm run verify -- --monitor <server-url> [--state monitor.json] (--key key | --trust keys.txt | --trust-on-first-use) [--watch seconds]
 *     Fetches the tree heads the server signed since the last run, checks each signature and the
 *     consistency proof from the previously seen head to each new one (so the log was only ever
 *     appended to), recomputes each new head's root from all leaf hashes of the log's tiles (the
 *     audit, kept in the state as the tree's frontier), and stores what it saw in the state file,
 *     each head once. A fork, rollback, rewrite or leaves that do not give the signed root is
 *     reported with both signed checkpoints, appended to <state>.evidence.json. The key is pinned in the state on
 *     the first run, from --key or --trust (or the server's, with --trust-on-first-use only); a
 *     different key later is a failure.
 *
 * Prints each step; on failure "FAILED: <check>" and exit code 1 (2 for a usage error).
 * The same receipt checks, with nothing but Node, are in scripts/verify-receipt.mjs.
 */
import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { keyFingerprint, parseVkey, verifySthJson, vkeyFor, type SthJson } from '../domain/transparency/checkpoint';
import { hexBytes } from '../domain/transparency/leaf';
import { appendToFrontier, rootFromFrontier, verifyConsistency } from '../domain/transparency/merkle';
import { TILES_PREFIX, TILE_WIDTH, tilePath } from '../domain/transparency/tiles';
import type { ProofBundle, Receipt } from '../domain/transparency/receipt';
import { parseTrustFile } from '../domain/transparency/trust-file';
import { NO_PINNED_KEY, verifyReceiptFile } from '../domain/transparency/verify';

class Failed extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(message);
  }
}

const ok = (check: string, detail: string) => console.log(`ok    ${check}: ${detail}`);

const USAGE = [
  'usage: npm run verify -- <file> --receipt receipt.json [--sth sth.json] (--key key | --trust keys.txt | --trust-on-first-use) [--witnesses k] [--tsa-cert cert.pem]',
  '       npm run verify -- --monitor <server-url> [--state monitor.json] (--key key | --trust keys.txt | --trust-on-first-use) [--watch seconds]',
].join('\n');

type Args = { file?: string; receipt?: string; sth?: string; key?: string; trust?: string; witnesses?: string; 'tsa-cert'?: string; monitor?: string; state?: string; watch?: string; tofu?: boolean };

function parseArgs(argv: string[]): Args {
  const out: Args = {};
  const flags = new Set(['receipt', 'sth', 'key', 'trust', 'witnesses', 'tsa-cert', 'monitor', 'state', 'watch']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--trust-on-first-use') {
      out.tofu = true;
    } else if (a.startsWith('--')) {
      const flag = a.slice(2);
      if (!flags.has(flag) || i + 1 >= argv.length) throw new Failed('usage', `unknown option or missing value: ${a}\n${USAGE}`);
      out[flag as Exclude<keyof Args, 'tofu'>] = argv[++i];
    } else if (!out.file) {
      out.file = a;
    } else {
      throw new Failed('usage', `unexpected argument ${a}\n${USAGE}`);
    }
  }
  if (out.monitor ? out.file || out.receipt : !out.file || !out.receipt) throw new Failed('usage', USAGE);
  if (Number(Boolean(out.key)) + Number(Boolean(out.trust)) + Number(Boolean(out.tofu)) > 1) throw new Failed('usage', `--key, --trust and --trust-on-first-use exclude each other\n${USAGE}`);
  if (out.witnesses !== undefined && !(/^[1-9][0-9]*$/.test(out.witnesses) && out.trust)) throw new Failed('usage', `--witnesses takes a number and a --trust file listing the witnesses\n${USAGE}`);
  return out;
}

function readJson<T>(file: string, check: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Failed(check, `cannot read ${file} as JSON: ${(err as Error).message}`);
  }
}

/** A key argument: a file or the text itself; a vkey, a PEM public (or private) key, or /log/key JSON. */
function keyArgument(arg: string): string | KeyObject {
  const text = (existsSync(arg) ? readFileSync(arg, 'utf8') : arg).trim();
  try {
    if (text.startsWith('{')) return String((JSON.parse(text) as { vkey?: unknown }).vkey);
    if (text.startsWith('-----BEGIN')) return createPublicKey(text);
    return text;
  } catch (err) {
    throw new Failed('signature', `cannot read the key: ${(err as Error).message}`);
  }
}

function trustFile(file: string) {
  try {
    return parseTrustFile(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Failed('signature', `cannot read the trust file ${file}: ${(err as Error).message}`);
  }
}
const trustedLogKeys = (file: string) => trustFile(file).logKeys;

function tsaCertificate(file: string): X509Certificate {
  try {
    return new X509Certificate(readFileSync(file));
  } catch (err) {
    throw new Failed('timestamp', `cannot read the TSA certificate ${file}: ${(err as Error).message}`);
  }
}

async function hashFile(file: string): Promise<{ sha256: Buffer; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (err) {
    throw new Failed('file hash', `cannot read ${file}: ${(err as Error).message}`);
  }
  return { sha256: hash.digest(), size };
}

async function verifyReceiptMode(a: Args): Promise<boolean> {
  const receipt = readJson<Receipt>(a.receipt!, 'receipt');
  const sth = a.sth ? readJson<SthJson | ProofBundle>(a.sth, 'signature') : undefined;
  const key = a.key ? keyArgument(a.key) : undefined;
  const result = verifyReceiptFile({
    file: await hashFile(a.file!),
    fileName: a.file!,
    receipt,
    ...(sth ? { sth } : {}),
    ...(key ? { key } : {}),
    ...(a.trust ? { trustedLogKeys: trustedLogKeys(a.trust), trustedWitnessKeys: trustFile(a.trust).witnessKeys } : {}),
    ...(a.witnesses ? { requiredWitnesses: Number(a.witnesses) } : {}),
    ...(a['tsa-cert'] ? { tsaCertificate: tsaCertificate(a['tsa-cert']) } : {}),
    trustOnFirstUse: a.tofu === true,
  });
  for (const s of result.steps) {
    if (s.ok) ok(s.check, s.detail);
    else console.log(`FAILED: ${s.check}\n      ${s.detail}`);
  }
  if (result.ok) console.log(`\n${result.verdict.replace('this file', path.basename(a.file!))}`);
  return result.ok;
}

// ---------------------------------------------------------------------------------------------
// Monitor

type MonitorState = {
  version: 1;
  server: string;
  origin: string;
  vkey: string;
  fingerprint: string;
  /** Every tree head seen, ascending by size, each once. */
  sths: SthJson[];
  /** The audit: the tree recomputed from every leaf hash of the log's tiles, as its frontier (hex, merkle.ts). */
  audit?: { size: number; frontier: string[] };
};

/** Two signed checkpoints that cannot both be true of one append-only log. */
type Conflict = { kind: 'fork' | 'rollback' | 'rewrite' | 'leaves'; detail: string; seen: SthJson; served: SthJson };

class ConflictFound extends Failed {
  constructor(readonly conflict: Conflict) {
    super(conflict.kind, conflict.detail);
  }
}

async function getJson<T>(base: string, pathname: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(base + pathname, { headers: { accept: 'application/json' } });
  } catch (err) {
    throw new Failed('server', `cannot reach ${base}${pathname}: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) throw new Failed('server', `${pathname} answered ${res.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Failed('server', `${pathname} did not answer JSON`);
  }
}

async function getTile(base: string, tile: string): Promise<Buffer> {
  const res = await fetch(`${base}${TILES_PREFIX}/${tile}`).catch((err: Error) => {
    throw new Failed('server', `cannot reach ${base}${TILES_PREFIX}/${tile}: ${err.message}`);
  });
  if (!res.ok) throw new Failed('server', `${TILES_PREFIX}/${tile} answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Extends the audited tree to the head's size with the leaf hashes of the log's level-0 tiles and
 * returns its root: recomputed here from every leaf, not taken from the log.
 */
async function auditTo(base: string, audit: { size: number; frontier: Buffer[] }, treeSize: number): Promise<{ size: number; frontier: Buffer[] }> {
  let { size, frontier } = audit;
  for (let tile = Math.floor(size / TILE_WIDTH); tile * TILE_WIDTH < treeSize; tile++) {
    const width = Math.min(TILE_WIDTH, treeSize - tile * TILE_WIDTH);
    const bytes = await getTile(base, tilePath({ level: 0, index: tile, width }));
    if (bytes.length !== width * 32) throw new Failed('leaves', `tile ${tilePath({ level: 0, index: tile, width })} has ${bytes.length} bytes`);
    const hashes: Buffer[] = [];
    for (let i = size - tile * TILE_WIDTH; i < width; i++) hashes.push(bytes.subarray(i * 32, i * 32 + 32));
    ({ size, frontier } = appendToFrontier(size, frontier, hashes));
  }
  return { size, frontier };
}

/** Says what was found, with both signed checkpoints, and keeps them beside the state file. */
async function reportConflict(c: Conflict, statePath: string): Promise<void> {
  const file = `${statePath}.evidence.json`;
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown[]) : [];
  await fs.writeFile(file, JSON.stringify([...previous, { found_at: new Date().toISOString(), ...c }], null, 2));
  console.log(`\n${c.kind.toUpperCase()}: ${c.detail}`);
  console.log(`\nThe head seen before (size ${c.seen.tree_size}), signed by the log:\n${c.seen.checkpoint}`);
  console.log(`The head served now (size ${c.served.tree_size}), signed by the log:\n${c.served.checkpoint}`);
  console.log(`Both are kept in ${file}: together they prove the log is not one append-only history.`);
}

async function monitorOnce(a: Args, statePath: string): Promise<void> {
  const base = a.monitor!.replace(/\/$/, '');
  const state: MonitorState | null = existsSync(statePath) ? readJson<MonitorState>(statePath, 'state') : null;
  if (state && (state.version !== 1 || !Array.isArray(state.sths))) throw new Failed('state', `${statePath} is not a monitor state file`);

  // The key: given, from the trust file, pinned in the state, or (only when asked) trusted on first use.
  const served = await getJson<{ origin: string; vkey: string; fingerprint: string }>(base, '/api/v1/log/key');
  const given = a.key ? keyArgument(a.key) : a.trust ? trustedLogKeys(a.trust).find((k) => k.startsWith(`${served.origin}+`)) : undefined;
  if (a.trust && !given) throw new Failed('key', `the trust file lists no key for log ${served.origin}`);
  if (!given && !state && !a.tofu) throw new Failed('key', NO_PINNED_KEY);
  const vkey = typeof given === 'string' ? given : given ? vkeyFor(served.origin, given) : (state?.vkey ?? served.vkey);
  let parsed;
  try {
    parsed = parseVkey(vkey);
  } catch (err) {
    throw new Failed('key', (err as Error).message);
  }
  if (served.vkey !== vkey) throw new Failed('key', `the server now serves key ${served.vkey}, expected ${vkey}`);
  const fingerprint = keyFingerprint(parsed.rawPublicKey);
  ok('key', `${vkey} (fingerprint ${fingerprint}${!state && !given ? ': TRUSTED ON FIRST USE, compare it with the one Svidetel publishes' : ''})`);

  const seen = state?.sths ?? [];
  let last = seen[seen.length - 1];
  const lastSize = last?.tree_size ?? -1;

  const check = (sth: SthJson) => {
    try {
      const cp = verifySthJson(sth, parsed);
      if (state && cp.origin !== state.origin) throw new Error(`the head is for log ${cp.origin}, not ${state.origin}`);
      return cp;
    } catch (err) {
      throw new Failed('signature', `tree head of size ${sth.tree_size}: ${(err as Error).message}`);
    }
  };

  // New heads: page through the list (newest first) down to what we saw last time.
  const latest = await getJson<SthJson>(base, '/api/v1/log/sth');
  check(latest);
  const fresh = new Map<number, SthJson>(latest.tree_size > lastSize ? [[latest.tree_size, latest]] : []);
  let before: number | undefined;
  for (;;) {
    const page = await getJson<{ items: SthJson[] }>(base, `/api/v1/log/sths?limit=1000${before === undefined ? '' : `&before=${before}`}`);
    for (const s of page.items) if (s.tree_size > lastSize) fresh.set(s.tree_size, s);
    const smallest = page.items[page.items.length - 1]?.tree_size;
    if (page.items.length < 1000 || smallest === undefined || smallest <= lastSize) break;
    before = smallest;
  }

  // What we saw last must still be what the server says (a rewritten log cannot keep it).
  if (last) {
    try {
      verifySthJson(last, parsed);
    } catch (err) {
      throw new Failed('state', `the last head in ${statePath} does not verify (${(err as Error).message}): the state file was changed`);
    }
    if (latest.tree_size < last.tree_size) {
      throw new ConflictFound({ kind: 'rollback', detail: `the latest tree head has size ${latest.tree_size}, smaller than the ${last.tree_size} seen before`, seen: last, served: latest });
    }
    const again = await getJson<SthJson>(base, `/api/v1/log/sth/${last.tree_size}`).catch((err: unknown) => {
      if (err instanceof Failed && /answered 404/.test(err.message)) return null;
      throw err;
    });
    if (again) {
      check(again);
      if (again.root_hash !== last.root_hash) {
        throw new ConflictFound({ kind: 'fork', detail: `the server's tree head of size ${last.tree_size} now has root ${again.root_hash}, it had ${last.root_hash}`, seen: last, served: again });
      }
    }
  }

  let audit = state?.audit ? { size: state.audit.size, frontier: state.audit.frontier.map((h, i) => hexBytes(`audit[${i}]`, h, 32)) } : { size: 0, frontier: [] as Buffer[] };
  const added: SthJson[] = [];
  for (const sth of [...fresh.values()].sort((x, y) => x.tree_size - y.tree_size)) {
    const cp = check(sth);
    if (last) {
      const proof = await getJson<{ consistency_proof: string[] }>(base, `/api/v1/log/proof/consistency?first=${last.tree_size}&second=${sth.tree_size}`);
      let hashes: Buffer[];
      try {
        hashes = proof.consistency_proof.map((h, i) => hexBytes(`proof[${i}]`, h, 32));
      } catch (err) {
        throw new Failed('consistency', (err as Error).message);
      }
      if (!verifyConsistency(last.tree_size, sth.tree_size, hexBytes('root', last.root_hash, 32), cp.rootHash, hashes)) {
        throw new ConflictFound({
          kind: 'rewrite',
          detail: `the tree of size ${sth.tree_size} (root ${sth.root_hash}) is not an append-only extension of the tree of size ${last.tree_size} (root ${last.root_hash})`,
          seen: last,
          served: sth,
        });
      }
      ok('consistency', `size ${last.tree_size} → ${sth.tree_size}, root ${sth.root_hash}, signed ${sth.timestamp}`);
    } else {
      ok('signature', `first tree head seen: size ${sth.tree_size}, root ${sth.root_hash}`);
    }
    // The audit: the signed root must be the root of the leaf hashes the log serves as tiles.
    if (audit.size <= sth.tree_size) {
      const next = await auditTo(base, audit, sth.tree_size);
      const root = rootFromFrontier(next.frontier);
      if (!root.equals(cp.rootHash)) {
        throw new ConflictFound({
          kind: 'leaves',
          detail: `the leaf hashes the log serves give root ${root.toString('hex')} for size ${sth.tree_size}, the head it signed says ${sth.root_hash}`,
          seen: last ?? sth,
          served: sth,
        });
      }
      audit = next;
      ok('audit', `root of size ${sth.tree_size} recomputed from all ${sth.tree_size} leaf hashes of the log's tiles`);
    }
    added.push(sth);
    last = sth;
  }

  const next: MonitorState = {
    version: 1,
    server: base,
    origin: state?.origin ?? parsed.name,
    vkey,
    fingerprint,
    sths: [...seen, ...added],
    audit: { size: audit.size, frontier: audit.frontier.map((h) => h.toString('hex')) },
  };
  const temp = `${statePath}.${process.pid}.tmp`;
  await fs.writeFile(temp, JSON.stringify(next, null, 2));
  await fs.rename(temp, statePath);
  console.log(
    `\nCONSISTENT: ${next.origin} at ${base}: ${added.length} new tree head(s), now size ${last?.tree_size ?? 0}, every leaf audited; ` +
      `${next.sths.length} head(s) seen in all, stored in ${statePath}.`,
  );
}

async function monitorMode(a: Args): Promise<boolean> {
  const statePath = path.resolve(a.state ?? 'svidetel-log-monitor.json');
  const watch = a.watch === undefined ? 0 : Number(a.watch);
  if (!(watch >= 0)) throw new Failed('usage', '--watch takes a number of seconds');
  for (;;) {
    try {
      await monitorOnce(a, statePath);
    } catch (err) {
      if (err instanceof ConflictFound) await reportConflict(err.conflict, statePath);
      throw err;
    }
    if (!watch) return true;
    await new Promise((r) => setTimeout(r, watch * 1000));
  }
}

async function main(): Promise<void> {
  try {
    const a = parseArgs(process.argv.slice(2));
    const good = a.monitor ? await monitorMode(a) : await verifyReceiptMode(a);
    process.exitCode = good ? 0 : 1;
  } catch (err) {
    if (!(err instanceof Failed)) throw err;
    console.log(`FAILED: ${err.check}\n      ${err.message}`);
    process.exitCode = err.check === 'usage' ? 2 : 1;
  }
}

void main();
