import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { Client, SUBMISSION_FIELDS, loggedInClient, uploadSubmission } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';

/** Issue 11, finding 17: a browser sends file names as UTF-8; they must arrive as the observer wrote them. */
describe('non-ASCII file names', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });
  afterAll(() => system?.stop());

  test('Фото_избирком.jpg is kept as written: in the receipt, the database and the moderator’s view', async () => {
    const name = 'Фото_избирком.jpg';
    const data = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const client = new Client(system.url);
    await client.page('/');
    const res = await uploadSubmission(client, SUBMISSION_FIELDS, [{ name, data, type: 'image/jpeg' }]);
    expect(res.status).toBe(201);
    const receipt = (await res.json()) as { submissionId: string; files: { name: string }[] };
    expect(receipt.files[0]!.name).toBe(name);

    const [row] = await mediaRepo.listMediaFiles(system.ctx.db, receipt.submissionId);
    expect(row!.original_name).toBe(name);

    const moderator = await loggedInClient(system.ctx, system.url);
    const review = await moderator.page(`/moderation/submissions/${receipt.submissionId}`);
    expect(review.res.status).toBe(200);
    expect(review.body).toContain(name);
  });
});
