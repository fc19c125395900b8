/**
 * createSubmission on in-memory repositories, blob store and queue: an upload's rows and originals
 * are stored together or not at all, and a queue that is down costs no receipt.
 */
import { StoreFailure } from '../../../db/errors';
import type { NewSubmission } from '../../../db/submissions.repo';
import type { Category, Election } from '../../../domain/catalog/model';
import type { DetectedType } from '../../../domain/media/file-type';
import { createSubmission, type IncomingFile } from '../../../domain/submissions/submission.service';
import { frontierPositions } from '../../../domain/transparency/merkle';
import { FakeBlobStore } from '../../fakes/blob-store';
import { fakeContext } from '../../fakes/context';
import { fakeDatabase, type FakeDatabase } from '../../fakes/database';
import { FakeJobQueue } from '../../fakes/job-queue';

const JPEG: DetectedType = { mime: 'image/jpeg', kind: 'image', format: 'jpeg' };
const ELECTION: Election = { id: 1, slug: 'e', name_ru: 'Выборы', name_en: 'Election', country: 'RU', voting_starts_on: '2026-03-15', voting_ends_on: '2026-03-15', active: true };
const CATEGORY: Category = { code: 'ballot_stuffing', phase_code: 'voting', phase_label_ru: 'Голосование', phase_label_en: 'Voting', label_ru: 'Вброс', label_en: 'Ballot stuffing', active: true };
const INPUT: NewSubmission = {
  electionId: 1, region: 'Москва', stationNumber: '1234', categoryCode: 'ballot_stuffing',
  description: 'a man puts a stack of ballots in the box', happenedAt: '2026-03-15T10:00', reporterRole: null, complaintStatus: null,
};

type Step = 'insertMediaFile' | 'writeAppend';

function uploadDatabase() {
  const tables = {
    submissions: [] as (NewSubmission & { id: string })[],
    blobs: [] as string[],
    mediaFiles: [] as { id: string; submissionId: string; sha256: string; position: number; originalName: string }[],
    log: { size: 0, leaves: 0, subtrees: {} as Record<string, Buffer>, links: 0 },
    /** Submissions linked to their station's cluster, in order; `clusterDown`: that call fails. */
    clustered: [] as { id: string; inTransaction: boolean }[],
    clusterDown: false,
    /** The call that fails (a lost connection, say), on its nth call. */
    failing: null as { step: Step; call: number } | null,
    calls: { insertMediaFile: 0, writeAppend: 0 } as Record<Step, number>,
  };
  const maybeFail = (step: Step) => {
    tables.calls[step]++;
    if (tables.failing?.step === step && tables.failing.call === tables.calls[step]) {
      throw new StoreFailure('unavailable', undefined, new Error('Connection terminated unexpectedly'));
    }
  };
  const db: FakeDatabase<typeof tables> = fakeDatabase(tables, (t) => ({
    regions: {
      listRegions: async () => [{ code: 'RU-MOW', kind: 'subject', name_ru: 'Москва', name_en: 'Moscow', aliases: ['г. Москва'], boundary: null }],
    },
    catalog: {
      findElection: async (id) => (id === ELECTION.id ? ELECTION : null),
      findCategory: async (code) => (code === CATEGORY.code ? CATEGORY : null),
    },
    clusters: {
      linkSameStation: async (id) => {
        if (t.clusterDown) throw new StoreFailure('unavailable', undefined, new Error('Connection terminated unexpectedly'));
        t.clustered.push({ id, inTransaction: db.inTransaction });
        return null;
      },
    },
    submissions: {
      // the insert stores nothing for an unknown or closed election or category
      insertSubmission: async (s) => {
        if (s.electionId !== ELECTION.id || s.categoryCode !== CATEGORY.code) return null;
        const row = { id: `s-${t.submissions.length + 1}`, received_at: new Date('2026-03-15T10:05:00Z') };
        t.submissions.push({ ...s, id: row.id });
        return row;
      },
    },
    media: {
      lockBlobHash: async () => undefined,
      upsertBlob: async (b) => {
        if (t.blobs.includes(b.sha256)) return false;
        t.blobs.push(b.sha256);
        return true;
      },
      insertMediaFile: async (f) => {
        maybeFail('insertMediaFile');
        const id = `m-${t.mediaFiles.length + 1}`;
        t.mediaFiles.push({ id, ...f });
        return { id };
      },
    },
    transparency: {
      lockLogForAppend: async () => ({
        size: t.log.size,
        frontier: frontierPositions(t.log.size).flatMap((p) => t.log.subtrees[`${p.level}/${p.index}`] ?? []),
      }),
      writeAppend: async (a) => {
        maybeFail('writeAppend');
        t.log.leaves += a.leaves.length;
        for (const n of a.nodes) t.log.subtrees[`${n.level}/${n.index}`] = n.hash;
        t.log.size = a.size;
        t.log.links += a.mediaFileIds.length;
      },
    },
  }));
  return db;
}

function upload() {
  const db = uploadDatabase();
  const blobs = new FakeBlobStore();
  const queue = new FakeJobQueue();
  const ctx = fakeContext(db, { blobs, queue });
  const file = (name: string, content: string): IncomingFile => ({ originalName: name, type: JPEG, ...blobs.receive(Buffer.from(content)) });
  return { db, blobs, queue, ctx, file };
}

describe('createSubmission', () => {
  test('stores the rows, the originals and a leaf per file, then enqueues their processing', async () => {
    const { db, blobs, queue, ctx, file } = upload();
    const files = [file('C:\\DCIM\\IMG_1.jpg', 'first'), file('IMG_2.jpg', 'second')];
    const receipt = await createSubmission(ctx, INPUT, files);
    expect(receipt.submissionId).toBe('s-1');
    expect(receipt.files.map((f) => [f.name, f.sha256, f.leaf.index])).toEqual([
      ['IMG_1.jpg', files[0]!.sha256, 0],
      ['IMG_2.jpg', files[1]!.sha256, 1],
    ]);
    expect([...blobs.originals.keys()].sort()).toEqual([files[0]!.sha256, files[1]!.sha256].sort());
    expect(db.tables.log).toMatchObject({ size: 2, leaves: 2, links: 2 });
    expect(queue.enqueued).toEqual([{ name: 'process-media', ids: ['m-1', 'm-2'] }]);
    // linked to its station's cluster after the commit, by a statement of its own
    expect(db.tables.clustered).toEqual([{ id: 's-1', inTransaction: false }]);
    expect(db.commits).toBe(1);
  });

  test('a report that cannot be linked to its station yet is still received; the worker links it', async () => {
    const { db, ctx, file } = upload();
    db.tables.clusterDown = true;
    const receipt = await createSubmission(ctx, INPUT, [file('IMG_1.jpg', 'bytes')]);
    expect(receipt.files).toHaveLength(1);
    expect(db.tables.mediaFiles).toHaveLength(1);
    expect(ctx.logged).toContainEqual(expect.objectContaining({ level: 40, submissionId: 's-1' }));
  });

  test.each<[string, { step: Step; call: number }]>([
    ['the second file row', { step: 'insertMediaFile', call: 2 }],
    ['the log append, after every file', { step: 'writeAppend', call: 1 }],
  ])('when %s fails: the originals this upload created are removed, the rows rolled back, nothing is enqueued', async (_, failing) => {
    const { db, blobs, queue, ctx, file } = upload();
    // An original stored by an earlier upload is kept: it belongs to that upload's rows.
    const earlier = file('earlier.jpg', 'stored before');
    await blobs.putOriginal(earlier.tempPath, earlier.sha256);
    const files = [file('new.jpg', 'new bytes'), file('again.jpg', 'stored before'), file('other.jpg', 'other bytes')];
    db.tables.failing = failing;

    const failure = await createSubmission(ctx, INPUT, files).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreFailure);
    const created = failing.step === 'insertMediaFile' ? [files[0]!.sha256] : [files[0]!.sha256, files[2]!.sha256];
    expect(blobs.removed.sort()).toEqual(created.sort());
    expect([...blobs.originals.keys()]).toEqual([earlier.sha256]);
    expect(db.rollbacks).toBe(1);
    expect(db.tables).toMatchObject({ submissions: [], blobs: [], mediaFiles: [], log: { size: 0, leaves: 0, links: 0, subtrees: {} } });
    expect(queue.enqueued).toEqual([]);
  });

  test('when the queue is down the observer still gets the receipt; the sweep will enqueue the files', async () => {
    const { db, queue, ctx, file } = upload();
    queue.down = true;
    const receipt = await createSubmission(ctx, INPUT, [file('IMG_1.jpg', 'bytes')]);
    expect(receipt.files).toHaveLength(1);
    expect(db.tables.mediaFiles).toHaveLength(1);
    expect(queue.enqueued).toEqual([]);
    expect(ctx.logged).toContainEqual(expect.objectContaining({ level: 40, fileIds: ['m-1'], msg: 'could not enqueue; the sweep will pick them up' }));
  });

  test('an unknown or closed election or category stores nothing', async () => {
    const { db, blobs, ctx, file } = upload();
    const files = [file('IMG_1.jpg', 'bytes')];
    await expect(createSubmission(ctx, { ...INPUT, electionId: 99 }, files)).rejects.toMatchObject({ code: 'unknown_election' });
    await expect(createSubmission(ctx, { ...INPUT, categoryCode: 'nope' }, files)).rejects.toMatchObject({ code: 'unknown_category' });
    await expect(createSubmission(ctx, INPUT, [])).rejects.toMatchObject({ code: 'no_files' });
    expect(db.tables.submissions).toEqual([]);
    expect(blobs.originals.size).toBe(0);
  });
});
