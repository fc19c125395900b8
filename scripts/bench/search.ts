/**
 * `npm run bench:search`: latency of the public archive's search, station page and map, and the
 * throughput and memory of a CSV export, over 1 000 000 published entries.
 *
 * Starts the real API (tsx api/main.ts, no worker) on loopback against the seeded database, sends
 * each scenario's requests one at a time (after a warm-up), and reports p50/p95/p99 next to a
 * baseline measured in the same run: GET /healthz, the cost of HTTP + express alone. The export
 * streams all entries as CSV; rows/s is counted by the client, peak RSS is the server's VmHWM, and
 * the server's RSS is sampled while the first and the second half of the rows stream (flat memory:
 * the second half's peak is not above the first's by more than a small margin).
 *
 * Seeds its own database (BENCH_SEARCH_DATABASE_URL, default svidetel_bench_search; dropped and
 * recreated when the seed changes, so it must be dedicated) set-based from search-seed.sql, then
 * fills the search index through the same view its triggers use. The seed is cached: a database
 * already seeded with the same seed version (seed SQL, migration files, row count) is reused.
 *
 * Options: --rows=N (default 1 000 000), --requests=N per scenario (default 200), --seed-only.
 * Bars: p95 < 50 ms for search (text alone and text + filters) and the station page, < 150 ms for
 * the map, export ≥ 50 000 rows/s with flat memory. Exit code 1 when a bar is missed, 2 on an error.
 * The last line of output is one JSON object: {"search_p50_ms", "search_p95_ms", "search_p99_ms",
 * "filtered_p95_ms", "station_p95_ms", "map_p95_ms", "export_rows_s", "export_peak_rss_mb",
 * "export_rss_growth_mb"}.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ensureArchiveSeeded, withClient } from './archive-seed';
import { appDatabaseEnv, freePort, log, option, peakRssMb, percentile, reportFigures, rssMb } from './bench-kit';

const ROOT = path.resolve(__dirname, '..', '..');
const DATABASE_URL = process.env.BENCH_SEARCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench_search';

const ROWS = option('rows', 1_000_000);
const REQUESTS = option('requests', 200);
const HOST = '127.0.0.1';
// Flat memory: streaming the second half of the rows may not take the server's RSS more than this above the first half's peak.
const BARS = { search_p95_ms: 50, station_p95_ms: 50, map_p95_ms: 150, export_rows_s: 50_000, export_rss_growth_mb: 32 };

// ----------------------------------------------------------------------------------------------
// Measuring

/** One GET over a kept-alive loopback connection; resolves with the status and the time taken. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      })
      .once('error', reject);
  });
}

type Latency = { p50: number; p95: number; p99: number };
const round = (x: number) => Math.round(x * 10) / 10;

/** Sends each path (cycling) REQUESTS times after a warm-up round; every answer must be a 200. */
async function measure(base: string, name: string, paths: string[]): Promise<Latency> {
  for (const p of paths.slice(0, 20)) await timedGet(base + p);
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const p = paths[i % paths.length]!;
    const { status, ms } = await timedGet(base + p);
    if (status !== 200) throw new Error(`${name}: GET ${p} answered ${status}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const result = { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), p99: round(percentile(times, 99)) };
  log(`${name.padEnd(22)} p50 ${String(result.p50).padStart(7)} ms   p95 ${String(result.p95).padStart(7)} ms   p99 ${String(result.p99).padStart(7)} ms`);
  return result;
}

/**
 * Streams the whole CSV export, counting rows as they arrive, and samples the server's resident
 * memory every 100 ms: the peaks while the first and the second half of the rows arrived show
 * whether memory grows with the rows (it must not) or stays flat.
 */
function exportAll(url: string, serverPid: number): Promise<{ rows: number; seconds: number; firstHalfRssMb: number; secondHalfRssMb: number }> {
  const started = process.hrtime.bigint();
  const samples: { rows: number; mb: number }[] = [];
  let newlines = 0;
  const sampler = setInterval(() => samples.push({ rows: newlines, mb: rssMb(serverPid) }), 100);
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
        res.on('data', (chunk: Buffer) => {
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
        });
        res.once('end', () => {
          clearInterval(sampler);
          const half = newlines / 2;
          const peak = (part: typeof samples) => Math.max(0, ...part.map((s) => s.mb));
          resolve({
            rows: newlines - 1,
            seconds: Number(process.hrtime.bigint() - started) / 1e9,
            firstHalfRssMb: peak(samples.filter((s) => s.rows <= half)),
            secondHalfRssMb: peak(samples.filter((s) => s.rows > half)),
          });
        });
        res.once('error', reject);
      })
      .once('error', (err) => {
        clearInterval(sampler);
        reject(err);
      });
  });
}

async function startServer(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort(HOST);
  const storage = path.join(os.tmpdir(), `svidetel-bench-search-${process.pid}`);
  const url = `http://${HOST}:${port}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...(await appDatabaseEnv(DATABASE_URL)), PORT: String(port), HOST, STORAGE_DIR: storage, LOG_LEVEL: 'warn', PUBLIC_API_REQUESTS_PER_MINUTE: '1000000', NODE_ENV: 'production', LOG_ORIGIN: 'bench-search.svidetel.test/log', PUBLIC_URL: url },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    proc.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error('the API exited before answering');
    const ok = await timedGet(`${url}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) return { url, pid: proc.pid!, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error('the API did not answer /healthz within 120 s');
}

const TEXT_QUERIES = ['вбросы', 'карусель', 'наблюдателя удалили', 'stuffed ballots', 'observer removed', 'протокол переписали', 'очередь в полдень', 'bussed voters', 'сейф-пакеты', 'ДЭГ принуждают', 'camera covered', 'лотерея подарки'];

async function main(): Promise<void> {
  await ensureArchiveSeeded(DATABASE_URL, ROWS);
  if (process.argv.includes('--seed-only')) return;

  // Real stations and regions to ask for, read from the seeded data.
  const { stations, elections } = await withClient(DATABASE_URL, async (c) => {
    // Canonical regions only: a station page under another spelling redirects to the canonical one.
    const s = await c.query<{ election_id: number; region: string; station_number: string }>(
      'SELECT a.election_id, a.region, a.station_number FROM archive_entries a TABLESAMPLE SYSTEM (1) JOIN regions r ON r.name_ru = a.region LIMIT 200',
    );
    const e = await c.query<{ id: number }>('SELECT id FROM elections ORDER BY id');
    return { stations: s.rows, elections: e.rows.map((r) => r.id) };
  });
  const enc = encodeURIComponent;
  const server = await startServer();
  try {
    log(`API on ${server.url}; ${REQUESTS} requests per scenario, one at a time`);
    const baseline = await measure(server.url, 'baseline /healthz', ['/healthz']);
    const search = await measure(server.url, 'text search', TEXT_QUERIES.map((q) => `/api/v1/search?q=${enc(q)}`));
    const filtered = await measure(
      server.url,
      'text + filters',
      TEXT_QUERIES.map((q, i) => {
        const st = stations[i % stations.length]!;
        return `/api/v1/search?q=${enc(q)}&election=${elections[i % elections.length]}&region=${enc(st.region)}&has_photo=1&published_from=2024-04-01&published_to=2024-05-31`;
      }),
    );
    const station = await measure(server.url, 'station page', stations.map((s) => `/api/v1/stations/${s.election_id}/${enc(s.region)}/${s.station_number}`));
    const map = await measure(server.url, 'map, country-wide', ['/api/v1/map?zoom=3&bbox=19,41,180,82', '/api/v1/map?zoom=4&bbox=19,41,180,82']);
    const before = peakRssMb(server.pid);
    const exported = await exportAll(`${server.url}/api/v1/export.csv`, server.pid);
    const exportRowsS = Math.round(exported.rows / exported.seconds);
    const peak = round(peakRssMb(server.pid));
    const growth = round(exported.secondHalfRssMb - exported.firstHalfRssMb);
    log(`CSV export             ${exported.rows} rows in ${exported.seconds.toFixed(1)} s = ${exportRowsS} rows/s`);
    log(`  server RSS: ${round(before)} MB before, peak ${round(exported.firstHalfRssMb)} MB over the first half of the rows, ${round(exported.secondHalfRssMb)} MB over the second (${growth >= 0 ? '+' : ''}${growth} MB); VmHWM ${peak} MB`);
    log(`baseline p50 ${baseline.p50} ms: search p50 is ${round(search.p50 - baseline.p50)} ms above the bare HTTP round trip`);
    const figures = {
      search_p50_ms: search.p50,
      search_p95_ms: search.p95,
      search_p99_ms: search.p99,
      filtered_p95_ms: filtered.p95,
      station_p95_ms: station.p95,
      map_p95_ms: map.p95,
      export_rows_s: exportRowsS,
      export_peak_rss_mb: peak,
      export_rss_growth_mb: growth,
    };
    reportFigures(figures, [
      figures.search_p95_ms >= BARS.search_p95_ms && `search p95 ≥ ${BARS.search_p95_ms} ms`,
      figures.filtered_p95_ms >= BARS.search_p95_ms && `text + filters p95 ≥ ${BARS.search_p95_ms} ms`,
      figures.station_p95_ms >= BARS.station_p95_ms && `station p95 ≥ ${BARS.station_p95_ms} ms`,
      figures.map_p95_ms >= BARS.map_p95_ms && `map p95 ≥ ${BARS.map_p95_ms} ms`,
      figures.export_rows_s < BARS.export_rows_s && `export < ${BARS.export_rows_s} rows/s`,
      figures.export_rss_growth_mb > BARS.export_rss_growth_mb && `export memory grew ${growth} MB from the first half of the rows to the second`,
    ]);
  } finally {
    await server.stop();
    agent.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
