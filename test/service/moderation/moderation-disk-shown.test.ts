/**
 * The free space moderators' pages show (the queue, its live poll and entry pages ask on every
 * request) is measured at most every SHOWN_DISK_SPACE_MS per store; an upload is refused on a
 * fresh measure, never on the figure shown.
 */
import { SHOWN_DISK_SPACE_MS, diskSpaceShown, ensureRoomForUpload } from '../../../domain/submissions/disk-space';
import { FakeBlobStore } from '../../fakes/blob-store';
import { fakeContext } from '../../fakes/context';
import { fakeDatabase } from '../../fakes/database';

test('measured once per interval for pages; fresh for an upload', async () => {
  const blobs = new FakeBlobStore();
  let measured = 0;
  blobs.freeBytes = async () => {
    measured++;
    return blobs.free;
  };
  let now = new Date('2026-03-15T12:00:00Z');
  const ctx = { ...fakeContext(fakeDatabase({}, () => ({})), { blobs, config: { diskReserveBytes: 1000 } }), clock: { now: () => new Date(now) } };
  blobs.free = 10_000;
  expect((await diskSpaceShown(ctx)).state).toBe('ok');
  blobs.free = 1500;
  expect((await diskSpaceShown(ctx)).state).toBe('ok'); // the figure of a moment ago
  expect(measured).toBe(1);
  await expect(ensureRoomForUpload(ctx, 600)).rejects.toMatchObject({ status: 507 }); // an upload measures afresh
  now = new Date(now.getTime() + SHOWN_DISK_SPACE_MS);
  expect((await diskSpaceShown(ctx)).state).toBe('low');
  expect(measured).toBe(3);
});
