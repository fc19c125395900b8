/**
 * `npm run bench:counts`: counts as evidence at the size of a Russian federal election.
 *
 * Makes its own database afresh each run (svidetel_bench_counts, or BENCH_DATABASE_URL): an election
 * with a 13-line protocol (4 candidates), voting over three days (15–17 March 2024). Then, timed:
 *   1. the official results of 100 000 stations imported from one CSV through the service (parse,
 *      COPY into staging, upsert, import record, audit) → import_rows_per_s (bar ≥ 20 000), beside
 *      PostgreSQL's bare COPY of the same file into an unindexed table (copy_baseline_rows_per_s).
 *      Turnout: 12 dated cumulative columns (4 hours on each of the 3 days), or with --last-day-only
 *      the 4 undated columns of the last day (the file before multi-day voting). The CPU this process
 *      spent on the import (parsing, checks, COPY streaming) → import_cpu_s, import_cpu_us_per_row;
 *      PostgreSQL's backends' for it (from /proc, the server on this machine) → import_db_cpu_s,
 *      import_db_cpu_us_per_row: under load, CPU says more than the wall clock;
 *   2. 10 000 of those stations given a published, checked protocol copy (seeded as the owner), and
 *      the discrepancies of all of them computed and stored by the service → discrepancies_s;
 *   3. the real API as a child process on loopback: sequential GETs of /healthz (baseline), the
 *      ranked list page with its charts (/counts?election=…, also filtered by region) and station
 *      pages of random stations with evidence → p50/p95 (bars < 50 ms), and what each request cost in
 *      CPU: the API process's (cpu_*_ms) and PostgreSQL's backends' (db_cpu_*_ms), from /proc; load1.
 * Last line: {"import_rows_per_s", "import_s", "discrepancies_s", "ranked_p95_ms", "station_p95_ms", "baseline_p95_ms", "cpu_station_ms", "db_cpu_station_ms", "load1", …}.
 * Exit code 1 when a bar is missed, 2 on an error. Options: --samples=N (requests per kind, default 200),
 * --stations=N (default 100 000; the evidence is a tenth of them, at most 10 000), --last-day-only.
 */
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client as PgClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startApiServer } from '../../api/server';
import { createContext, prepareDatabase } from '../../infra/compose';
import { parseConfig } from '../../domain/config';
import { configureLines, importOfficialResults, recomputeDiscrepancies } from '../../domain/counts/counts.service';
import type { SessionUser } from '../../domain/accounts/model';
import { createAccountWithLink } from '../../domain/accounts/accounts.service';
import { Client } from '../../test/helpers/http';
import { appRoleUrl, log, option, reportFigures, startServerChild, timeRequests } from './bench-kit';
import { processCpuSeconds } from '../../infra/media/run-tool';

const ROOT = path.resolve(__dirname, '..', '..');
const STATIONS = option('stations', 100_000);
const WITH_EVIDENCE = Math.max(1, Math.min(10_000, Math.floor(STATIONS / 10)));
const LAST_DAY_ONLY = process.argv.includes('--last-day-only');
const VOTING_DAYS = ['2024-03-15', '2024-03-16', '2024-03-17'];
const HOURS = ['10:00', '12:00', '15:00', '18:00'];
const HOUR_SHARES = [0.1, 0.3, 0.55, 0.8];
/** The turnout columns: every voting day's hours, dated, or the last day's alone, undated. */
const TURNOUT_COLUMNS = LAST_DAY_ONLY ? HOURS.map((h) => `turnout_${h}`) : VOTING_DAYS.flatMap((d) => HOURS.map((h) => `turnout_${d}_${h}`));
const SAMPLES = option('samples', 200);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench_counts';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CANDIDATES = 4;

const LINES = [
  '1; voters; voters_on_list; Число избирателей; Voters on the list',
  '2; received; ballots_received; Получено бюллетеней; Ballots received',
  '3; early; issued_early; Выдано досрочно; Issued early',
  '4; station; issued_station; Выдано в помещении; Issued at the station',
  '5; outside; issued_outside; Выдано вне помещения; Issued outside',
  '6; cancelled; cancelled; Погашено; Cancelled',
  '10; found; ballots_found; Найдено в ящиках; Found in the boxes',
  '11; invalid; invalid; Недействительных; Invalid',
  '12; valid; valid; Действительных; Valid',
  ...Array.from({ length: CANDIDATES }, (_, i) => `${20 + i}; cand_${i + 1}; candidate; Кандидат ${i + 1}; Candidate ${i + 1}`),
].join('\n');

function benchConfig(port: string) {
  return parseConfig({
    NODE_ENV: 'production',
    LOG_ORIGIN: 'bench-counts.svidetel.test/log',
    PUBLIC_URL: 'http://127.0.0.1',
    PORT: port,
    DATABASE_URL: appRoleUrl(DATABASE_URL),
    DATABASE_OWNER_URL: DATABASE_URL,
    REDIS_URL,
    QUEUE_PREFIX: 'bench-counts',
    STORAGE_DIR: path.join(ROOT, 'data', 'bench-counts'),
    LOG_LEVEL: 'warn',
    PUBLIC_PAGE_REQUESTS_PER_MINUTE: '1000000',
    PUBLIC_API_REQUESTS_PER_MINUTE: '1000000',
  });
}

async function runServer(): Promise<void> {
  const ctx = await createContext(benchConfig('0'), 'bench-api');
  const { server } = await startApiServer(ctx);
  process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
}

/** A station's official figures: adds up as a real protocol does, turnout varying across stations. */
function officialRow(uik: number): string {
  const voters = 1000 + (uik % 1500);
  const turnoutShare = 0.3 + ((uik * 7919) % 600) / 1000; // 30 … 90 %
  const station = Math.round(voters * turnoutShare);
  const early = uik % 7;
  const outside = uik % 13;
  const found = station + outside;
  const invalid = uik % 11;
  const valid = found - invalid;
  const leader = Math.round(valid * (0.45 + ((uik * 104729) % 500) / 1000));
  const rest = valid - leader;
  const others = [Math.floor(rest / 2), Math.floor(rest / 3)];
  const votes = [leader, ...others, rest - others[0]! - others[1]!];
  // cumulative since the first opening: a third of the station's voters a day, growing through each day
  const days = LAST_DAY_ONLY ? [VOTING_DAYS.length - 1] : VOTING_DAYS.map((_, d) => d);
  const t = days.flatMap((d) => HOUR_SHARES.map((f) => Math.round((station * (d + f)) / VOTING_DAYS.length)));
  return [uik, `Регион ${uik % 85}`, voters, voters + 100, early, station, outside, 100 - early, found, invalid, valid, ...votes, ...t].join(',');
}

/**
 * CPU seconds (user + system) so far of each PostgreSQL backend serving the bench database, read from
 * /proc (the server on this machine; empty elsewhere): the import's database side is the growth of
 * these across it (the pool's connections stay open).
 */
async function databaseBackendsCpu(owner: PgClient): Promise<Map<number, number>> {
  const { rows } = await owner.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = processCpuSeconds(pid); // null: not on this machine, or gone
    if (seconds !== null) cpu.set(pid, seconds);
  }
  return cpu;
}
/** User + system CPU seconds a process has used so far (NaN where /proc cannot tell). */
const processCpuS = (pid: number | undefined): number => (pid === undefined ? NaN : processCpuSeconds(pid) ?? NaN);

/**
 * Times requests and adds what each cost in CPU milliseconds: the API process's and PostgreSQL's
 * backends' for the bench database. Under a shared machine's load these say more than p95 does.
 */
async function timeWithCpu(client: Client, owner: PgClient, pid: number | undefined, paths: string[]) {
  const dbBefore = await databaseBackendsCpu(owner);
  const apiBefore = processCpuS(pid);
  const times = await timeRequests(client, paths);
  const apiMs = ((processCpuS(pid) - apiBefore) * 1000) / paths.length;
  const dbAfter = await databaseBackendsCpu(owner);
  const dbMs = ([...dbAfter].reduce((n, [p, cpu]) => n + cpu - (dbBefore.get(p) ?? 0), 0) * 1000) / paths.length;
  return { ...times, apiMs, dbMs };
}

async function freshDatabase(): Promise<void> {
  const url = new URL(DATABASE_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new PgClient({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await prepareDatabase(benchConfig('0'));
}

/** 10 000 published protocol copies, checked, one per station; figures as official but the leader's (off by up to 49 for most). */
const EVIDENCE_SQL = (electionId: number, accountId: string) => `
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE ev ON COMMIT DROP AS
  SELECT (g * 10)::text AS uik, gen_random_uuid() AS id, gen_random_uuid() AS decision FROM generate_series(1, ${WITH_EVIDENCE}) g;
INSERT INTO decisions (id, submission_id, account_id, action, checklist, public_choices, created_at)
SELECT decision, id, '${accountId}', 'verify_publish', '{"source":{"ok":true},"time":{"ok":true},"place":{"ok":true},"content":{"ok":true}}',
       '{"location":"rounded","device":false,"originalDownloadable":false}', timestamptz '2024-03-18 10:00+00' FROM ev;
INSERT INTO submissions (id, election_id, region, station_number, category_code, description, status, received_at, decided_at, published_at, publish_decision_id, verify_decision_id)
SELECT id, ${electionId}, 'Регион ' || (uik::int % 85), uik, 'protocol_copy', 'Копия протокола УИК ' || uik, 'published',
       timestamptz '2024-03-17 18:00+00', timestamptz '2024-03-18 10:00+00', timestamptz '2024-03-18 10:00+00', decision, decision FROM ev;
INSERT INTO protocol_copies (submission_id, election_id, uik_number, checked_by, checked_at) SELECT id, ${electionId}, uik, '${accountId}', now() FROM ev;
INSERT INTO protocol_figures (submission_id, election_id, line_code, value, entered_by)
SELECT ev.id, ${electionId}, f.key, CASE WHEN f.key = 'cand_1' THEN f.value::int - (ev.uik::int % 50) ELSE f.value::int END, '${accountId}'
  FROM ev JOIN official_results o ON o.election_id = ${electionId} AND o.uik_number = ev.uik CROSS JOIN LATERAL jsonb_each_text(o.figures) f;
INSERT INTO archive_entries (id, election_id, region, station_number, category_code, published_at, verified_at, has_photo, has_video, file_count, search_text, description, file_sha256)
SELECT id, ${electionId}, 'Регион ' || (uik::int % 85), uik, 'protocol_copy', timestamptz '2024-03-18 10:00+00', timestamptz '2024-03-18 10:00+00', true, false, 0,
       to_tsvector('russian', 'Копия протокола'), 'Копия протокола УИК ' || uik, '{}' FROM ev;
`;

async function main(): Promise<void> {
  await freshDatabase();
  const ctx = await createContext(benchConfig('0'), 'bench-counts');
  const owner = new PgClient({ connectionString: DATABASE_URL });
  await owner.connect();
  let server: { proc: ChildProcess; url: string } | null = null;
  try {
    const { rows: [election] } = await owner.query<{ id: number }>(
      `INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on) VALUES ('bench-counts', 'Бенчмарк: подсчёты', 'Bench: counts', 'RU', '2024-03-15', '2024-03-17') RETURNING id`,
    );
    const electionId = election!.id;
    await createAccountWithLink(ctx, 'bench-admin@example.org', 'admin', { system: 'bench' });
    const { rows: [account] } = await owner.query<{ id: string }>(`SELECT id FROM accounts WHERE email = 'bench-admin@example.org'`);
    const admin: SessionUser = { accountId: account!.id, email: 'bench-admin@example.org', role: 'admin', csrfToken: 'x'.repeat(32), needsTotpSetup: false };
    await configureLines(ctx, admin, electionId, LINES);

    const header = ['uik', 'region', 'voters', 'received', 'early', 'station', 'outside', 'cancelled', 'found', 'invalid', 'valid', ...Array.from({ length: CANDIDATES }, (_, i) => `cand_${i + 1}`), ...TURNOUT_COLUMNS];
    const csv = Buffer.from(`${header.join(',')}\n${Array.from({ length: STATIONS }, (_, i) => officialRow(i + 1)).join('\n')}\n`);
    log(`official results: ${STATIONS} stations, ${TURNOUT_COLUMNS.length} turnout columns (${LAST_DAY_ONLY ? 'last day only' : 'three days, dated'}), ${(csv.length / 1e6).toFixed(1)} MB of CSV`);
    // Same-run baseline for the import: PostgreSQL's own COPY of the same file into a bare table.
    const { rows: [{ now }] } = await owner.query<{ now: Date }>('SELECT now()');
    await owner.query(`CREATE TEMP TABLE copy_baseline (${header.map((_, i) => `c${i} text`).join(', ')})`);
    let started = process.hrtime.bigint();
    await pipeline(Readable.from([csv]), owner.query(copyFrom(`COPY copy_baseline FROM STDIN (FORMAT csv, HEADER true)`)));
    const copyS = Number(process.hrtime.bigint() - started) / 1e9;
    log(`baseline: a bare COPY of the file in ${copyS.toFixed(2)} s (${Math.round(STATIONS / copyS)} rows/s; server time ${now.toISOString()})`);
    await ctx.repos.catalog.findElection(electionId); // the pool's connection open before counting its CPU
    const dbBefore = await databaseBackendsCpu(owner);
    started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const report = await importOfficialResults(ctx, admin, electionId, csv);
    const cpu = process.cpuUsage(cpuBefore);
    const importS = Number(process.hrtime.bigint() - started) / 1e9;
    const importCpuS = (cpu.user + cpu.system) / 1e6;
    const dbAfter = await databaseBackendsCpu(owner);
    const importDbCpuS = [...dbAfter].reduce((n, [pid, s]) => n + s - (dbBefore.get(pid) ?? 0), 0);
    if (report.imported !== STATIONS || report.errors.length) throw new Error(`import: ${report.imported} imported, ${report.errors.length} refused`);
    log(`import: ${importS.toFixed(2)} s, ${Math.round(STATIONS / importS)} rows/s; CPU: this process ${importCpuS.toFixed(2)} s (${((1e6 * importCpuS) / STATIONS).toFixed(1)} µs a row), PostgreSQL ${importDbCpuS.toFixed(2)} s`);
    const { rows: [firstStation] } = await owner.query<{ instants: number }>(`SELECT count(*)::int AS instants FROM official_results o, jsonb_object_keys(o.turnout) WHERE o.election_id = $1 AND o.uik_number = '1'`, [electionId]);
    if (firstStation!.instants !== TURNOUT_COLUMNS.length) throw new Error(`import: station 1 has ${firstStation!.instants} turnout instants, not ${TURNOUT_COLUMNS.length}`);

    await owner.query('BEGIN');
    await owner.query(EVIDENCE_SQL(electionId, account!.id));
    await owner.query('COMMIT');
    await owner.query('ANALYZE');
    started = process.hrtime.bigint();
    const stored = await ctx.transaction((tx) => recomputeDiscrepancies(tx, electionId, null));
    const discrepanciesS = Number(process.hrtime.bigint() - started) / 1e9;
    log(`discrepancies: ${WITH_EVIDENCE} stations, ${stored} rows in ${discrepanciesS.toFixed(2)} s`);
    await owner.query('ANALYZE');

    const importRate = Math.round(STATIONS / importS);
    const importFigures = {
      stations: STATIONS,
      stations_with_evidence: WITH_EVIDENCE,
      turnout_columns: TURNOUT_COLUMNS.length,
      import_rows_per_s: importRate,
      import_s: +importS.toFixed(2),
      import_cpu_s: +importCpuS.toFixed(2),
      import_cpu_us_per_row: +((1e6 * importCpuS) / STATIONS).toFixed(1),
      import_db_cpu_s: +importDbCpuS.toFixed(2),
      import_db_cpu_us_per_row: +((1e6 * importDbCpuS) / STATIONS).toFixed(1),
      copy_baseline_rows_per_s: Math.round(STATIONS / copyS),
      discrepancies_s: +discrepanciesS.toFixed(2),
      discrepancy_rows: stored,
    };
    const importBar = importRate < 20_000 && `import ${importRate} rows/s < 20 000`;
    if (process.env.BENCH_NO_HTTP) {
      reportFigures(importFigures, [importBar]); // the import and discrepancies alone
      return;
    }
    server = await startServerChild(__filename, ROOT);
    const client = new Client(server.url);
    const { rows: sample } = await owner.query<{ region: string; uik: string }>(
      `SELECT region, uik_number AS uik FROM station_discrepancy_ranks WHERE election_id = $1 ORDER BY random() LIMIT $2`, [electionId, SAMPLES],
    );
    const cycle = (list: string[]) => Array.from({ length: SAMPLES }, (_, i) => list[i % list.length]!);
    const ranked = cycle([`/counts?election=${electionId}`, `/counts?election=${electionId}&region=${encodeURIComponent('Регион 7')}`, '/counts', `/api/v1/counts/ranking?election=${electionId}&limit=100`]);
    const stations = sample.map((s) => `/stations/${electionId}/${encodeURIComponent(s.region)}/${s.uik}`);
    await timeRequests(client, [...ranked.slice(0, 20), ...stations.slice(0, 20), ...cycle(['/healthz']).slice(0, 20)]); // warm up
    const pid = server.proc.pid;
    const baseline = await timeWithCpu(client, owner, pid, cycle(['/healthz']));
    const rankedTimes = await timeWithCpu(client, owner, pid, ranked);
    const stationTimes = await timeWithCpu(client, owner, pid, stations);
    const fmt = (r: { p50: number; p95: number; apiMs: number; dbMs: number }) =>
      `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms; CPU a request: API ${r.apiMs.toFixed(2)} ms, PostgreSQL ${r.dbMs.toFixed(2)} ms`;
    log(`baseline /healthz:  ${fmt(baseline)}`);
    log(`ranked list:        ${fmt(rankedTimes)}`);
    log(`station page:       ${fmt(stationTimes)}`);
    reportFigures(
      {
        ...importFigures,
        ranked_p50_ms: +rankedTimes.p50.toFixed(1),
        ranked_p95_ms: +rankedTimes.p95.toFixed(1),
        station_p50_ms: +stationTimes.p50.toFixed(1),
        station_p95_ms: +stationTimes.p95.toFixed(1),
        baseline_p50_ms: +baseline.p50.toFixed(1),
        baseline_p95_ms: +baseline.p95.toFixed(1),
        cpu_baseline_ms: +baseline.apiMs.toFixed(2),
        cpu_ranked_ms: +rankedTimes.apiMs.toFixed(2),
        cpu_station_ms: +stationTimes.apiMs.toFixed(2),
        db_cpu_ranked_ms: +rankedTimes.dbMs.toFixed(2),
        db_cpu_station_ms: +stationTimes.dbMs.toFixed(2),
        load1: +loadavg()[0]!.toFixed(2),
      },
      [
        importBar,
        rankedTimes.p95 >= 50 && `ranked list p95 ${rankedTimes.p95.toFixed(1)} ms ≥ 50`,
        stationTimes.p95 >= 50 && `station page p95 ${stationTimes.p95.toFixed(1)} ms ≥ 50`,
      ],
    );
  } finally {
    server?.proc.kill('SIGTERM');
    await owner.end();
    await ctx.close();
  }
}

if (process.argv.includes('--server')) {
  void runServer();
} else {
  main().catch((err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(2);
  });
}
