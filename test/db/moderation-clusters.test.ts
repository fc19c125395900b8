/**
 * Stored clusters (db/migrations/021_clusters.sql, db/clusters.repo.ts) and the queue that lists
 * them: links put whole groups into one cluster, the deferred checks refuse an inconsistent one,
 * the queue pages by clusters (a cluster whose members arrived hours apart is listed together,
 * where its first member is), and keyset cursors and "next after a decision" compare times to the
 * microsecond, as PostgreSQL holds them.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { createPool, withTransaction } from '../../db/pool';
import * as accounts from '../../db/accounts.repo';
import * as clusters from '../../db/clusters.repo';
import { repositoriesOn } from '../../db/repositories';
import * as submissions from '../../db/submissions.repo';
import { clusterSameStation } from '../../domain/moderation/clusters';
import { decodeCursor, encodeCursor } from '../../domain/pagination';
import type { QueueFilter } from '../../domain/submissions/model';
import { testDatabaseUrl } from '../helpers/databases';

let pool: Pool;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 3);
});
afterAll(async () => {
  await pool?.end();
});

const inTransaction = <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => withTransaction(pool, fn);

/** An entry received at `at` (exact, microseconds allowed), in a region of its own test. */
async function entry(region: string, at: string, station = String(1000 + Math.floor(Math.random() * 8000))): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO submissions (election_id, region, station_number, category_code, description, received_at)
     VALUES (1, $1, $2, 'ballot_stuffing', 'clusters test', $3::timestamptz) RETURNING id`,
    [region, station, at],
  );
  return rows[0]!.id;
}

const clusterOf = async (id: string) => (await pool.query<{ cluster_id: string | null }>('SELECT cluster_id FROM submissions WHERE id = $1', [id])).rows[0]!.cluster_id;
const queue = (region: string, over: Partial<QueueFilter> = {}): QueueFilter => ({
  status: 'pending', electionId: null, region, categoryCode: null, flag: null, hasVideo: false, receivedFrom: null, receivedBefore: null, sort: 'oldest', ...over,
});

/** Every page of a queue, `size` clusters each, following the cursors as the service encodes and decodes them. */
async function allPages(filter: QueueFilter, size: number): Promise<string[][][]> {
  const pages: string[][][] = [];
  let after: { receivedAt: string; id: string } | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const page = await submissions.listQueue(pool, filter, after, size);
    const groups: string[][] = [];
    for (const item of page.items) {
      const last = groups.at(-1);
      if (last && item.cluster_id && item.cluster_id === page.items.find((i) => i.id === last[0])?.cluster_id) last.push(item.id);
      else groups.push([item.id]);
    }
    pages.push(groups);
    if (!page.next) return pages;
    const cursor = decodeCursor(encodeCursor(page.next.receivedAt, page.next.id))!;
    after = { receivedAt: cursor.at, id: cursor.id };
  }
  throw new Error('the queue never ended');
}

describe('stored clusters', () => {
  test('links merge whole groups into one cluster named after a member; a cluster growing leaves the entries’ versions alone', async () => {
    const region = `Clusters ${randomUUID().slice(0, 8)}`;
    const [a, b, c, d] = [
      await entry(region, '2024-03-15 10:00+00'),
      await entry(region, '2024-03-15 11:00+00'),
      await entry(region, '2024-03-15 12:00+00'),
      await entry(region, '2024-03-15 13:00+00'),
    ];
    const version = async (id: string) => (await pool.query<{ version: number }>('SELECT version FROM submissions WHERE id = $1', [id])).rows[0]!.version;
    const before = await version(c);
    expect(await inTransaction((tx) => clusters.linkSubmission(tx, d, [{ id: c, reason: 'exact_duplicate' }]))).toBe(c);
    expect(await inTransaction((tx) => clusters.linkSubmission(tx, b, [{ id: a, reason: 'near_duplicate' }]))).toBe(a);
    expect([await clusterOf(a), await clusterOf(b), await clusterOf(c), await clusterOf(d)]).toEqual([a, a, c, c]);
    // b and c linked: the two groups become one, named after its earliest member
    expect(await inTransaction((tx) => clusters.linkSubmission(tx, c, [{ id: b, reason: 'same_station' }, { id: c, reason: 'same_station' }]))).toBe(a);
    expect([await clusterOf(a), await clusterOf(b), await clusterOf(c), await clusterOf(d)]).toEqual([a, a, a, a]);
    expect(await version(c)).toBe(before);
    const members = await pool.query<{ id: string }>('SELECT id FROM submissions WHERE cluster_id = $1 ORDER BY received_at', [a]);
    expect(members.rows.map((m) => m.id)).toEqual([a, b, c, d]);
    expect((await pool.query('SELECT 1 FROM submission_links WHERE a = ANY($1::uuid[])', [[a, b, c, d]])).rowCount).toBe(3);
    // nothing to link: nothing changes
    expect(await inTransaction((tx) => clusters.linkSubmission(tx, a, [{ id: a, reason: 'same_station' }]))).toBeNull();
  });

  test('the deferred checks refuse a link across clusters, a cluster without links and a cluster named after a non-member', async () => {
    const region = `Clusters ${randomUUID().slice(0, 8)}`;
    const [a, b, c] = [await entry(region, '2024-03-15 10:00+00'), await entry(region, '2024-03-15 10:01+00'), await entry(region, '2024-03-15 10:02+00')];
    const [lo, hi] = a < b ? [a, b] : [b, a];
    await expect(inTransaction((tx) => tx.query(`INSERT INTO submission_links (a, b, reason) VALUES ($1, $2, 'same_station')`, [lo, hi]))).rejects.toThrow(/not in one cluster/);
    await expect(inTransaction((tx) => tx.query('UPDATE submissions SET cluster_id = id WHERE id = $1', [c]))).rejects.toThrow(/has no links/);
    await inTransaction((tx) => clusters.linkSubmission(tx, a, [{ id: b, reason: 'same_station' }]));
    await expect(inTransaction((tx) => tx.query('UPDATE submissions SET cluster_id = $2 WHERE id IN ($1, $3)', [a, c, b]))).rejects.toThrow(/not one of its own members|not in one cluster/);
    expect(await clusterOf(a)).toBe(a);
  });

  test('a new report joins the cluster of its station’s reports within minutes, and no other', async () => {
    const region = `Clusters ${randomUUID().slice(0, 8)}`;
    const station = '4242';
    const early = await entry(region, '2024-03-15 09:00+00', station);
    const x = await entry(region, '2024-03-15 10:00+00', station);
    const elsewhere = await entry(region, '2024-03-15 10:03+00', '4243');
    for (const id of [early, x, elsewhere]) await inTransaction((tx) => clusterSameStation(repositoriesOn(tx), id));
    expect(await clusterOf(x)).toBeNull();
    const y = await entry(region, '2024-03-15 10:06+00', station);
    await inTransaction((tx) => clusterSameStation(repositoriesOn(tx), y));
    expect([await clusterOf(early), await clusterOf(x), await clusterOf(y), await clusterOf(elsewhere)]).toEqual([null, x, x, null]);
  });

  test('a busy station: forty reports in ten minutes are one cluster named after the first, each linked to a few neighbours only; joining it moves one row', async () => {
    const region = `Clusters ${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const id = await entry(region, `2024-03-15 12:00:${String(i).padStart(2, '0')}+00`, '5555');
      await inTransaction((tx) => clusterSameStation(repositoriesOn(tx), id));
      ids.push(id);
    }
    expect(new Set(await Promise.all(ids.map(clusterOf)))).toEqual(new Set([ids[0]]));
    const { rows: links } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM submission_links WHERE a = ANY($1::uuid[]) OR b = ANY($1::uuid[])`,
      [ids],
    );
    expect(links[0]!.n).toBeLessThanOrEqual(8 * ids.length);
    // the report that joins: only its own row gets a cluster (the others' versions stay as they were)
    const late = await entry(region, '2024-03-15 12:05+00', '5555');
    const before = (await pool.query<{ id: string; xmin: string }>('SELECT id, xmin::text FROM submissions WHERE id = ANY($1::uuid[]) ORDER BY id', [ids])).rows;
    expect(await inTransaction((tx) => clusterSameStation(repositoriesOn(tx), late))).toBe(ids[0]);
    expect((await pool.query('SELECT id, xmin::text FROM submissions WHERE id = ANY($1::uuid[]) ORDER BY id', [ids])).rows).toEqual(before);
    expect(await clusterOf(late)).toBe(ids[0]);
  });

  test('a station with two thousand reports in its ten minutes: joining reads a few of its rows by key, not the window or the table', async () => {
    const region = `Clusters ${randomUUID().slice(0, 8)}`;
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO submissions (election_id, region, station_number, category_code, description, received_at)
       SELECT 1, $1, '7777', 'ballot_stuffing', 'busy station', timestamptz '2024-03-15 12:00+00' + i * interval '250 ms'
         FROM generate_series(0, 1999) AS i ORDER BY i RETURNING id`,
      [region],
    );
    const first = rows[0]!.id;
    await inTransaction((tx) => clusters.linkSubmission(tx, first, rows.slice(1).map((r) => ({ id: r.id, reason: 'same_station' }))));
    const late = await entry(region, '2024-03-15 12:08:20+00', '7777');
    // As autovacuum would after such a burst: statistics of the grown table (a plan cached while it
    // was tiny may read it all, as a tiny table is best read).
    await pool.query('ANALYZE submissions');
    // Rows of submissions this transaction's statements read (PostgreSQL's per-transaction counters).
    const rowsRead = (c: PoolClient) =>
      c.query<{ n: string }>(`SELECT pg_stat_get_xact_tuples_returned('submissions'::regclass) + pg_stat_get_xact_tuples_fetched('submissions'::regclass) AS n`).then((r) => Number(r.rows[0]!.n));
    const { cluster, read } = await inTransaction(async (tx) => {
      const before = await rowsRead(tx);
      const cluster = await clusterSameStation(repositoriesOn(tx), late);
      return { cluster, read: (await rowsRead(tx)) - before };
    });
    expect(cluster).toBe(first);
    // the nearest 8 and the rows it touches; a walk of the window (1 960 rows) or a scan of the table reads thousands
    expect(read).toBeLessThan(200);
    const { rows: partners } = await pool.query<{ other: string }>(`SELECT CASE WHEN a = $1 THEN b ELSE a END AS other FROM submission_links WHERE $1 IN (a, b)`, [late]);
    expect(partners.map((p) => p.other).sort()).toEqual(rows.slice(-8).map((r) => r.id).sort());
  });
});

test('two reports from one station sent at the same moment: the lock makes the second see the first', async () => {
  const region = `Clusters ${randomUUID().slice(0, 8)}`;
  const [one, two] = [await pool.connect(), await pool.connect()];
  try {
    const insert = async (c: PoolClient) => {
      await c.query('BEGIN');
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO submissions (election_id, region, station_number, category_code, description) VALUES (1, $1, '77', 'ballot_stuffing', 'at once') RETURNING id`,
        [region],
      );
      return rows[0]!.id;
    };
    const [x, y] = [await insert(one), await insert(two)];
    await clusterSameStation(repositoriesOn(one), x); // sees nothing: y is not committed
    const second = clusterSameStation(repositoriesOn(two), y); // waits for the lock
    await new Promise((resolve) => setTimeout(resolve, 200));
    await one.query('COMMIT');
    expect(await second).toBe(x);
    await two.query('COMMIT');
    expect([await clusterOf(x), await clusterOf(y)]).toEqual([x, x]);
  } finally {
    one.release();
    two.release();
  }
});

describe('the queue lists clusters', () => {
  test('pages of clusters: members arrived hours apart are listed together where the first is, each cluster once, nothing skipped', async () => {
    const region = `Queue ${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let h = 0; h < 7; h++) ids.push(await entry(region, `2024-03-15 ${String(10 + h).padStart(2, '0')}:00+00`));
    const [e0, e1, e2, e3, e4, e5, e6] = ids as [string, string, string, string, string, string, string];
    await inTransaction((tx) => clusters.linkSubmission(tx, e5, [{ id: e1, reason: 'exact_duplicate' }, { id: e3, reason: 'exact_duplicate' }]));
    expect(await allPages(queue(region), 2)).toEqual([[[e0], [e1, e3, e5]], [[e2], [e4]], [[e6]]]);
    expect(await allPages(queue(region, { sort: 'newest' }), 3)).toEqual([[[e6], [e5, e3, e1], [e4]], [[e2], [e0]]]);
    const page = await submissions.listQueue(pool, queue(region), null, 50);
    expect(page.items.find((i) => i.id === e3)).toMatchObject({ cluster_id: e1, cluster_size: 3, cluster_reasons: ['exact_duplicate'] });
    expect(page.items.find((i) => i.id === e0)).toMatchObject({ cluster_id: null, cluster_size: 1, cluster_reasons: [] });

    // a member that left the queue (decided) is not listed; the cluster is where its first pending member is
    const moderator = await accounts.insertAccount(pool, { email: `clusters-${e1.slice(0, 8)}@example.org`, role: 'moderator', passwordHash: null });
    await inTransaction(async (tx) => {
      await submissions.insertDecision(tx, {
        submissionId: e1, accountId: moderator.id, action: 'reject', reason: 'spam', reasonCode: 'other', checklist: null, publicChoices: null, mergedInto: null,
      });
      await submissions.changeStatus(tx, e1, { status: 'rejected' });
    });
    expect(await allPages(queue(region), 50)).toEqual([[[e0], [e2], [e3, e5], [e4], [e6]]]);
  });

  test('a cursor is exact to the microsecond: entries received within one millisecond are neither repeated nor skipped', async () => {
    const region = `Micro ${randomUUID().slice(0, 8)}`;
    const times = ['2024-03-15 10:00:00.123100+00', '2024-03-15 10:00:00.123456+00', '2024-03-15 10:00:00.123900+00', '2024-03-15 10:00:00.124000+00'];
    const ids: string[] = [];
    for (const t of times) ids.push(await entry(region, t));
    const flat = (pages: string[][][]) => pages.flat(2);
    expect(flat(await allPages(queue(region), 1))).toEqual(ids);
    expect(flat(await allPages(queue(region, { sort: 'newest' }), 1))).toEqual([...ids].reverse());
    expect(() => decodeCursor(Buffer.from(`2024-03-15T10:00:00.1234567Z|${ids[0]}`).toString('base64url'))).toThrow();

    // the review page's neighbours and the next entry after a decision, compared with the entry's own row
    expect(await submissions.findQueueNeighbours(pool, { id: ids[1]! }, queue(region))).toEqual({ previous: ids[0], next: ids[2] });
    expect(await submissions.findQueueNeighbours(pool, { id: ids[1]! }, queue(region, { sort: 'newest' }))).toEqual({ previous: ids[2], next: ids[0] });
    const someone = randomUUID();
    expect(await submissions.findNextInQueue(pool, queue(region), ids[1]!, someone)).toEqual({ found: true, next: ids[2] });
    expect(await submissions.findNextInQueue(pool, queue(region, { sort: 'newest' }), ids[1]!, someone)).toEqual({ found: true, next: ids[0] });
    // past the end: from the queue's start again, never the entry itself
    expect(await submissions.findNextInQueue(pool, queue(region), ids[3]!, someone)).toEqual({ found: true, next: ids[0] });
    expect(await submissions.findNextInQueue(pool, queue(region), randomUUID(), someone)).toEqual({ found: false, next: null });
  });
});
