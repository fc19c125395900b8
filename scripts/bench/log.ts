/**
 * `npm run bench:log`: the transparency log at a million leaves.
 *
 * Appends 1 000 000 leaves in batches (one transaction each, through the same appendLeaves the
 * uploads use) to a dedicated database, then measures at that size, against the stored tree
 * (PostgreSQL, O(log n) subtree reads per proof):
 *   - appends/s,
 *   - p50/p95 of inclusion proofs (random leaves, tree = full size) and consistency proofs
 *     (random old size → full size), each checked against the root after timing,
 *   - signing a tree head with the real service (size, root from stored subtrees, Ed25519, insert),
 *   - tile reads (C2SP tlog-tiles, through the service the API serves them with) against reading
 *     the same files straight from the blob store's folder,
 *   - a checkpoint cosigned end to end by two local witnesses (scripts/witness.ts over HTTP, state
 *     files fsynced): sign, consistency proofs, both cosignatures verified and stored,
 *   - the scrub's throughput re-hashing stored originals against a bare SHA-256 of the same files.
 * Baseline in the same run: the same proofs from the in-memory MemoryTree holding every subtree
 * hash (no database), built from the stored leaf hashes; its root must equal the stored tree's.
 *
 * The seeded database is kept between runs (seeding takes minutes): a later run finds the million
 * leaves and measures appends/s on 50 000 more. --fresh drops and reseeds it.
 * Options: --leaves=N (default 1000000), --batch=N (default 10000), --samples=N (default 1000).
 * Env: BENCH_LOG_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/svidetel_bench_log;
 *      dropped and recreated with --fresh, so it must be dedicated).
 * The last line of output is one JSON object: {"appends_s", "inclusion_p95_ms", "consistency_p95_ms", "sign_ms",
 * "tile_p95_ms", "tile_baseline_p95_ms", "cosigned_p95_ms", "scrub_mb_s", "sha256_mb_s", "scrub_ratio"}.
 * Exit code 1 when a bar is missed (appends < 5000/s, a proof p95 ≥ 10 ms, a tile read p95 ≥ 5 ms,
 * a cosigned checkpoint p95 ≥ 200 ms, scrub < 0.8 × bare SHA-256), 2 on an error.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../db/migrate';
import { createPool } from '../../db/pool';
import { createContextOnPool, ensureDatabase } from '../../infra/compose';
import { parseConfig } from '../../domain/config';
import { createKeyPair, verifyCheckpoint } from '../../domain/transparency/checkpoint';
import { verifyCosignatures } from '../../domain/transparency/cosignature';
import { scrubOriginal } from '../../domain/integrity/scrub.service';
import { publishTiles, readTile } from '../../domain/transparency/tiles.service';
import { tilePath, tilesToPublish } from '../../domain/transparency/tiles';
import { fileWitnessStore, startWitness } from '../witness';
import type { LeafInput } from '../../domain/transparency/leaf';
import { MemoryTree, consistencyProof, inclusionProof, rootAt, verifyConsistency, verifyInclusion } from '../../domain/transparency/merkle';
import { appendLeaves, withStoredSubtrees } from '../../domain/transparency/log.service';
import { publishLogKey, signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { dropIfMigratedElsewhere, option, percentile } from './bench-kit';

const BAR_APPENDS_S = 5000;
const BAR_PROOF_P95_MS = 10;
const BAR_TILE_P95_MS = 5;
const BAR_COSIGNED_P95_MS = 200;
const BAR_SCRUB_RATIO = 0.8;
// Originals the size of a phone photo's larger half (a video is far larger): the scrub's per-file
// bookkeeping (its check recorded, alarms resolved) weighs in as it would in the archive.
const SCRUB_FILES = 12;
const SCRUB_FILE_BYTES = 12 * 1024 * 1024;
const CACHED_MEASURE_LEAVES = 50_000;
const SIGN_RUNS = 20;

const ms = (n: number) => Number(n.toFixed(3));

function stats(times: number[]): { p50: number; p95: number } {
  const s = [...times].sort((a, b) => a - b);
  return { p50: ms(percentile(s, 50)), p95: ms(percentile(s, 95)) };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

const input = (): LeafInput => ({ sha256: randomBytes(32), size: 1 + randomInt(2 ** 40), receivedAt: Date.now() });

/** Whether the database already holds a log (a signed head or a leaf), before migrating it further. */
async function databaseHasLog(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ has: boolean }>(`SELECT to_regclass('public.tlog_leaves') IS NOT NULL AND EXISTS (SELECT 1 FROM tlog_leaves) AS has`);
    return rows[0]?.has ?? false;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const target = option('leaves', 1_000_000);
  const batch = option('batch', 10_000);
  const samples = option('samples', 1000);
  const url = process.env.BENCH_LOG_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench_log';
  const dbName = decodeURIComponent(new URL(url).pathname.slice(1));
  const keyDir = path.join(os.tmpdir(), `svidetel-bench-log-${dbName}`);

  const dropDatabase = async () => {
    const admin = new Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName.replace(/"/g, '""')}" WITH (FORCE)`);
    await admin.end();
  };
  if (process.argv.includes('--fresh')) await dropDatabase();
  await dropIfMigratedElsewhere(url);
  // A new database is a new log: the key and the signer's memory of what it signed go with the old one
  // (else the signer refuses, rightly, to sign what looks like a rollback).
  const fresh = !(await ensureDatabase(url).then(() => databaseHasLog(url)));
  if (fresh) await fs.rm(keyDir, { recursive: true, force: true });
  let pool = createPool(url, 4);
  await migrate(pool);

  // The real service signs the heads; its key lives next to the cached database.
  const config = parseConfig({ DATABASE_URL: url, STORAGE_DIR: keyDir, LOG_ORIGIN: 'bench.svidetel.local/log', LOG_LEVEL: 'silent' });
  const makeCtx = () => createContextOnPool(config, 'bench-log', pool);
  let ctx = await makeCtx();
  const latestSth = await ctx.repos.transparency.getSth();
  if (latestSth) {
    const vkey = await publishLogKey(ctx);
    try {
      verifyCheckpoint(latestSth.note, vkey);
    } catch {
      console.log(`the cached ${dbName} was signed with another key (${keyDir} is gone): reseeding`);
      await pool.end();
      await dropDatabase();
      await ensureDatabase(url);
      pool = createPool(url, 4);
      await migrate(pool);
      ctx = await makeCtx();
    }
  }

  // ---- appends
  let size = await ctx.repos.transparency.logSize();
  const toAppend = size >= target ? CACHED_MEASURE_LEAVES : target - size;
  console.log(
    size >= target
      ? `${dbName} already holds ${size} leaves (cached seed); measuring appends on ${toAppend} more, in batches of ${batch}`
      : `${dbName} holds ${size} leaves; appending ${toAppend} in batches of ${batch}`,
  );
  const appendStart = process.hrtime.bigint();
  for (let done = 0; done < toAppend; ) {
    const n = Math.min(batch, toAppend - done);
    await ctx.transaction((tx) => appendLeaves(tx, Array.from({ length: n }, input)));
    done += n;
    if (done % (batch * 20) === 0 || done === toAppend) {
      const s = Number(process.hrtime.bigint() - appendStart) / 1e9;
      process.stdout.write(`  ${done} appended, ${Math.round(done / s)}/s\n`);
    }
  }
  const appendSeconds = Number(process.hrtime.bigint() - appendStart) / 1e9;
  const appendsPerSecond = Math.round(toAppend / appendSeconds);
  size = await ctx.repos.transparency.logSize();
  console.log(`appends: ${toAppend} in ${appendSeconds.toFixed(1)} s = ${appendsPerSecond}/s; log size now ${size}`);

  // Proofs are measured in the state autovacuum keeps a production log in (planner statistics,
  // visibility map); a server running without autovacuum would never reach it by itself.
  const vacuum = await timed(() => pool.query('VACUUM ANALYZE tlog_leaves, tlog_subtrees'));
  console.log(`VACUUM ANALYZE of the log tables (as autovacuum would): ${(vacuum.ms / 1000).toFixed(1)} s`);

  // ---- baseline: every leaf hash in memory
  const t0 = Date.now();
  const memory = new MemoryTree();
  for (let start = 0; start < size; start += 100_000) {
    const rows = await ctx.repos.transparency.leafRange(start, Math.min(size, start + 100_000));
    memory.append(...rows.map((r) => r.leafHash));
  }
  const root = await withStoredSubtrees(ctx.repos, (src) => rootAt(src, size));
  if (!root.equals(memory.root())) throw new Error('the stored tree root differs from the in-memory root of the same leaves');
  console.log(`baseline: MemoryTree of ${size} leaves built in ${((Date.now() - t0) / 1000).toFixed(1)} s; roots agree (${root.toString('hex')})`);

  // ---- inclusion proofs at the full size
  const indices = Array.from({ length: samples }, () => randomInt(size));
  const incDb: number[] = [];
  const incMem: number[] = [];
  let proofLength = 0;
  for (const i of indices) {
    const db = await timed(() => withStoredSubtrees(ctx.repos, (src) => inclusionProof(src, i, size)));
    const mem = await timed(() => inclusionProof(memory, i, size));
    incDb.push(db.ms);
    incMem.push(mem.ms);
    proofLength = db.value.length;
    if (!verifyInclusion(await memory.hash(i, i + 1), i, size, db.value, root)) throw new Error(`inclusion proof for ${i} does not verify`);
  }

  // ---- consistency proofs from a random older size to the full size
  const conDb: number[] = [];
  const conMem: number[] = [];
  for (let k = 0; k < samples; k++) {
    const m = 1 + randomInt(size - 1);
    const db = await timed(() => withStoredSubtrees(ctx.repos, (src) => consistencyProof(src, m, size)));
    const mem = await timed(() => consistencyProof(memory, m, size));
    conDb.push(db.ms);
    conMem.push(mem.ms);
    if (!verifyConsistency(m, size, await rootAt(memory, m), root, db.value)) throw new Error(`consistency proof ${m} → ${size} does not verify`);
  }

  // ---- the floor for anything read from PostgreSQL on this machine right now: one round trip
  const trips: number[] = [];
  for (let k = 0; k < samples; k++) trips.push((await timed(() => pool.query({ name: 'bench_select_1', text: 'SELECT 1' }))).ms);

  // ---- signing with the service: one leaf more each time, so every head is new
  await signTreeHeadIfGrown(ctx, { force: true }); // warm-up: creates or reads the key
  const signs: number[] = [];
  for (let k = 0; k < SIGN_RUNS; k++) {
    await ctx.transaction((tx) => appendLeaves(tx, [input()]));
    const r = await timed(() => signTreeHeadIfGrown(ctx, { force: true }));
    if (!r.value) throw new Error('no tree head was signed');
    signs.push(r.ms);
  }
  const sign = stats(signs);

  // ---- tiles: the static copy written as the service does after signing, then read as the API reads it
  const latest = (await ctx.repos.transparency.getSth())!;
  const published = await timed(() => publishTiles(ctx, latest));
  console.log(`tiles: ${published.value.tiles} written to the blob store in ${(published.ms / 1000).toFixed(1)} s`);
  const tiles = tilesToPublish(0, latest.treeSize);
  const tileTimes: number[] = [];
  const tileBase: number[] = [];
  for (let k = 0; k < samples; k++) {
    const t = tiles[randomInt(tiles.length)]!;
    const p = tilePath(t);
    const viaService = await timed(() => readTile(ctx, p));
    const bare = await timed(() => fs.readFile(path.join(keyDir, 'log', ...p.split('/'))));
    if (!viaService.value.equals(bare.value) || bare.value.length !== t.width * 32) throw new Error(`tile ${p} differs from the stored file`);
    tileTimes.push(viaService.ms);
    tileBase.push(bare.ms);
  }
  const tile = stats(tileTimes);
  const tileBaseline = stats(tileBase);

  // ---- a checkpoint cosigned by two local witnesses, end to end
  const witnessDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-bench-witness-'));
  const signer = await ctx.logSigner();
  const witnesses = await Promise.all(
    ['w1.bench.local/w', 'w2.bench.local/w'].map(async (name, i) =>
      startWitness({ name, privateKey: createKeyPair().privateKey, logVkeys: [signer.vkey], store: await fileWitnessStore(path.join(witnessDir, `w${i}.json`)) }),
    ),
  );
  const witnessed = { ...ctx, config: { ...ctx.config, logWitnesses: witnesses.map((w) => ({ url: w.url, vkey: w.vkey })) } };
  const cosignedTimes: number[] = [];
  for (let k = 0; k < SIGN_RUNS + 1; k++) {
    await ctx.transaction((tx) => appendLeaves(tx, [input()]));
    const r = await timed(() => signTreeHeadIfGrown(witnessed, { force: true }));
    const cosigned = verifyCosignatures(r.value!.checkpoint, witnesses.map((w) => w.vkey));
    if (cosigned.length !== 2) throw new Error(`the head of size ${r.value!.tree_size} has ${cosigned.length} cosignatures, not 2`);
    if (k > 0) cosignedTimes.push(r.ms); // the first run gives each witness the log's whole history (old size 0)
  }
  const cosigned = stats(cosignedTimes);
  await Promise.all(witnesses.map((w) => w.close()));
  await fs.rm(witnessDir, { recursive: true, force: true });

  // ---- the scrub re-hashing stored originals, against a bare SHA-256 of the same files
  const shas: string[] = [];
  for (let k = 0; k < SCRUB_FILES; k++) {
    const temp = ctx.blobs.createTempFile();
    const data = randomBytes(SCRUB_FILE_BYTES);
    await new Promise<void>((resolve, reject) => temp.stream.end(data, () => resolve()).on('error', reject));
    const sha = createHash('sha256').update(data).digest('hex');
    await ctx.blobs.putOriginal(temp.path, sha);
    await pool.query("INSERT INTO blobs (sha256, bytes, mime, kind) VALUES (decode($1, 'hex'), $2, 'image/jpeg', 'image') ON CONFLICT DO NOTHING", [sha, SCRUB_FILE_BYTES]);
    shas.push(sha);
  }
  const totalMb = (SCRUB_FILES * SCRUB_FILE_BYTES) / 2 ** 20;
  const bareHash = async () => {
    for (const sha of shas) {
      const h = createHash('sha256');
      for await (const c of createReadStream(path.join(keyDir, 'originals', sha.slice(0, 2), sha.slice(2, 4), sha)) as AsyncIterable<Buffer>) h.update(c);
      if (h.digest('hex') !== sha) throw new Error('a stored original changed');
    }
  };
  const scrubAll = async () => {
    for (const sha of shas) if ((await scrubOriginal(ctx, sha)).observed !== sha) throw new Error('the scrub found a mismatch');
  };
  await bareHash(); // warm the page cache for both
  // Alternated, best of three each: the machine is shared, so one slow pass says little.
  const bareRuns: number[] = [];
  const scrubRuns: number[] = [];
  for (let k = 0; k < 3; k++) {
    bareRuns.push((await timed(bareHash)).ms);
    scrubRuns.push((await timed(scrubAll)).ms);
  }
  const sha256MbS = Number((totalMb / (Math.min(...bareRuns) / 1000)).toFixed(1));
  const scrubMbS = Number((totalMb / (Math.min(...scrubRuns) / 1000)).toFixed(1));
  const scrubRatio = Number((scrubMbS / sha256MbS).toFixed(3));

  const inc = stats(incDb);
  const incBase = stats(incMem);
  const con = stats(conDb);
  const conBase = stats(conMem);
  const trip = stats(trips);
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`\nat ${size} leaves (${samples} samples each; audit paths of ${proofLength} hashes; ${os.cpus().length} CPUs, load average ${load}):`);
  console.log(`  inclusion proof     PostgreSQL p50 ${inc.p50} ms  p95 ${inc.p95} ms   | in-memory baseline p50 ${incBase.p50} ms  p95 ${incBase.p95} ms`);
  console.log(`  consistency proof   PostgreSQL p50 ${con.p50} ms  p95 ${con.p95} ms   | in-memory baseline p50 ${conBase.p50} ms  p95 ${conBase.p95} ms`);
  console.log(`  SELECT 1 round trip p50 ${trip.p50} ms  p95 ${trip.p95} ms   (the floor for any one query)`);
  console.log(`  sign tree head      p50 ${sign.p50} ms  p95 ${sign.p95} ms (${SIGN_RUNS} heads: size, root from stored subtrees, Ed25519, insert)`);
  console.log(`  appends             ${appendsPerSecond}/s in batches of ${batch} (bar ≥ ${BAR_APPENDS_S}/s)`);
  console.log(`  tile read           service p50 ${tile.p50} ms  p95 ${tile.p95} ms   | bare file read baseline p50 ${tileBaseline.p50} ms  p95 ${tileBaseline.p95} ms (bar p95 < ${BAR_TILE_P95_MS} ms)`);
  console.log(`  cosigned checkpoint p50 ${cosigned.p50} ms  p95 ${cosigned.p95} ms (sign, 2 witnesses over HTTP, verify, store, tiles; bar p95 < ${BAR_COSIGNED_P95_MS} ms) | signed alone p50 ${sign.p50} ms`);
  console.log(`  scrub               ${scrubMbS} MB/s | bare SHA-256 of the same ${totalMb} MB ${sha256MbS} MB/s: ratio ${scrubRatio} (bar ≥ ${BAR_SCRUB_RATIO})`);
  await pool.end();

  const missed = [
    appendsPerSecond < BAR_APPENDS_S ? `appends ${appendsPerSecond}/s < ${BAR_APPENDS_S}/s` : null,
    inc.p95 >= BAR_PROOF_P95_MS ? `inclusion p95 ${inc.p95} ms ≥ ${BAR_PROOF_P95_MS} ms` : null,
    con.p95 >= BAR_PROOF_P95_MS ? `consistency p95 ${con.p95} ms ≥ ${BAR_PROOF_P95_MS} ms` : null,
    tile.p95 >= BAR_TILE_P95_MS ? `tile p95 ${tile.p95} ms ≥ ${BAR_TILE_P95_MS} ms` : null,
    cosigned.p95 >= BAR_COSIGNED_P95_MS ? `cosigned checkpoint p95 ${cosigned.p95} ms ≥ ${BAR_COSIGNED_P95_MS} ms` : null,
    scrubRatio < BAR_SCRUB_RATIO ? `scrub ratio ${scrubRatio} < ${BAR_SCRUB_RATIO}` : null,
  ].filter(Boolean);
  if (missed.length) console.log(`\nBARS MISSED: ${missed.join('; ')}`);
  console.log(
    JSON.stringify({
      appends_s: appendsPerSecond,
      inclusion_p95_ms: inc.p95,
      consistency_p95_ms: con.p95,
      sign_ms: sign.p50,
      tile_p95_ms: tile.p95,
      tile_baseline_p95_ms: tileBaseline.p95,
      cosigned_p95_ms: cosigned.p95,
      scrub_mb_s: scrubMbS,
      sha256_mb_s: sha256MbS,
      scrub_ratio: scrubRatio,
    }),
  );
  return missed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`bench:log failed: ${err.message}`);
    process.exit(2);
  },
);
