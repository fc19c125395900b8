import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import * as catalogRepo from '../../db/catalog.repo';
import { Client, uploadSubmission, type UploadFile } from '../helpers/http';
import { decideFromPage } from '../helpers/moderation';
import { processedFiles, waitFor, type TestSystem } from '../helpers/system';
import type { VideoCopyState } from '../../domain/media/video-copy';

/** Publishing for the archive's tests, through the real upload, worker and moderation form. */

/** An election of the test's own, so its searches see only the entries it created. */
export async function ownElection(system: TestSystem, purpose: string) {
  const slug = `t-${purpose}-${randomBytes(4).toString('hex')}`.toLowerCase();
  return catalogRepo.insertElection(system.ctx.db, {
    slug,
    nameRu: `Тест ${slug}`,
    nameEn: `Test ${slug}`,
    country: 'RU',
    votingStartsOn: '2024-03-15',
    votingEndsOn: '2024-03-17',
  });
}

/** A small PNG no other test has: bytes of its own, so its SHA-256 is new to the archive. */
export async function uniquePng(): Promise<UploadFile> {
  const [r, g, b] = randomBytes(3);
  const data = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: r!, g: g!, b: b! } } })
    .composite([{ input: randomBytes(16 * 16 * 3), raw: { width: 16, height: 16, channels: 3 }, left: 8, top: 8 }])
    .png()
    .toBuffer();
  return { name: 'unique.png', data, type: 'image/png' };
}

export type Choices = {
  public_title?: string;
  public_description?: string;
  public_location?: 'precise' | 'rounded' | 'hidden';
  public_device?: boolean;
  original_downloadable?: boolean;
};

/** Uploads, waits until every file is processed, and returns the submission id. */
export async function uploadAndProcess(system: TestSystem, fields: Record<string, string>, files: UploadFile[]): Promise<string> {
  const res = await uploadSubmission(new Client(system.url), fields, files);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  const { submissionId } = (await res.json()) as { submissionId: string };
  await processedFiles(system, submissionId, 90_000);
  return submissionId;
}

/** Posts a decision form the way the review page does (decideFromPage: its version, and the observer's words if publishing without a description of its own). */
export async function decideByForm(moderator: Client, id: string, fields: Record<string, string>): Promise<void> {
  const res = await decideFromPage(moderator, id, fields);
  if (res.status !== 303) throw new Error(`decision ${fields.action} failed: ${res.status} ${(await res.text()).slice(0, 2000)}`);
}

export async function publish(moderator: Client, id: string, choices: Choices = {}): Promise<void> {
  const fields: Record<string, string> = {
    action: 'verify_publish',
    check_source: 'on',
    check_time: 'on',
    check_place: 'on',
    check_content: 'on',
    public_location: choices.public_location ?? 'rounded',
  };
  if (choices.public_title) fields.public_title = choices.public_title;
  if (choices.public_description) fields.public_description = choices.public_description;
  if (choices.public_device) fields.public_device = 'on';
  if (choices.original_downloadable) fields.original_downloadable = 'on';
  await decideByForm(moderator, id, fields);
}

export async function withdraw(moderator: Client, id: string, reason: string): Promise<void> {
  await decideByForm(moderator, id, { action: 'unpublish', reason });
}

/** Waits until every video of a submission has its published copy made (or failed), and returns their states by file id. */
export async function videoCopiesOf(system: TestSystem, submissionId: string, timeoutMs = 240_000): Promise<Map<string, VideoCopyState>> {
  const files = await processedFiles(system, submissionId, timeoutMs);
  const videos = files.filter((f) => f.kind === 'video').map((f) => f.id);
  return waitFor(async () => {
    const states = await system.ctx.repos.videoCopies.listVideoCopies(videos);
    return videos.every((id) => ['ready', 'failed'].includes(states.get(id)?.status ?? '')) ? states : null;
  }, timeoutMs, `the published copies of the videos of ${submissionId}`);
}
