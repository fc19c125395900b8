/**
 * `npm run seed-demo`: fills the moderation queue with a handful of demo submissions made from the
 * real media fixtures in ../shared/fixtures/media, so a person can see the upload → review flow
 * without uploading anything. Uses the running configuration (DATABASE_URL, REDIS_URL,
 * STORAGE_DIR, …) and the same path as an upload: each file is copied into a storage temp file
 * while it is hashed, its type is sniffed from its content, and createSubmission stores it and
 * queues it for the worker (run `npm start` to have them processed).
 *
 * Every run adds new submissions (identical files are stored once). Descriptions start with
 * "[демо]" so demo rows are easy to tell apart.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { AppError } from '../domain/errors';
import { errorText } from '../web/error-messages';
import { detectFileType, SNIFF_BYTES } from '../domain/media/file-type';
import type { BlobStore } from '../domain/ports/blob-store';
import { createSubmission, type IncomingFile, type SubmissionInput } from '../domain/submissions/submission.service';
import * as catalog from '../domain/catalog/catalog.service';

const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'shared', 'fixtures', 'media');

type Demo = Omit<SubmissionInput, 'electionId'> & { files: string[] };

const DEMOS: Demo[] = [
  {
    region: 'Москва',
    stationNumber: '8050',
    categoryCode: 'ballot_stuffing',
    description: '[демо] Вброс бюллетеней около 12:05: два снимка с разных мест у урны.',
    happenedAt: '2024-03-16T12:05',
    reporterRole: 'observer',
    complaintStatus: 'filed',
    files: ['google-pixel_gps.jpg', 'samsung-galaxy-s7_gps_orient6.jpg'],
  },
  {
    region: 'Санкт-Петербург',
    stationNumber: '1234',
    categoryCode: 'coercion_bussing',
    description: '[демо] Организованный подвоз избирателей: Live Photo (снимок и видео одного момента).',
    happenedAt: '2024-03-17T10:40',
    reporterRole: 'voter',
    complaintStatus: 'none',
    files: ['iphone-6s_livephoto_gps_offset.jpg', 'iphone-6s_livephoto_gps_offset.mov'],
  },
  {
    region: 'Новосибирская область',
    stationNumber: '402',
    categoryCode: 'observer_rights',
    description: '[демо] Наблюдателя не допустили к столу комиссии; видео с телефона.',
    happenedAt: null,
    reporterRole: 'observer',
    complaintStatus: null,
    files: ['android_gps_xyz.mp4'],
  },
  {
    region: 'Татарстан',
    stationNumber: '77',
    categoryCode: 'count_falsified',
    description: '[демо] Итоговый протокол расходится с увеличенной формой: снимки HEIC с iPhone.',
    happenedAt: '2024-03-17T21:30',
    reporterRole: 'commission_member',
    complaintStatus: 'answered',
    files: ['iphone-15-pro_gps_offset_orient6.heic', 'iphone-11-pro_offset_nogps.heic'],
  },
  {
    region: 'Краснодарский край',
    stationNumber: '3101',
    categoryCode: 'count_procedure',
    description: '[демо] Подсчёт без оглашения бюллетеней: видео с камеры (AVCHD) и скриншот чата.',
    happenedAt: '2024-03-17T20:15',
    reporterRole: 'journalist',
    complaintStatus: null,
    files: ['sony-a7m3_nogps.mts', 'macos-screenshot_noexif.png'],
  },
  {
    region: 'Свердловская область',
    stationNumber: '560',
    categoryCode: 'station_setup',
    description: '[демо] Урна стоит вне поля зрения камер. Один из файлов повреждён (обрезан при пересылке).',
    happenedAt: '2024-03-15T08:10',
    reporterRole: 'observer',
    complaintStatus: null,
    files: ['nexus-4_gps_stale-gps-time.jpg', 'made-here_truncated-half_iphone-4.jpg'],
  },
];

/** Copies a file into a blob-store temp file while hashing it, as the upload middleware does with a request. */
async function receiveFixture(blobs: BlobStore, filePath: string): Promise<IncomingFile> {
  const temp = blobs.createTempFile();
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  const inspect = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
        headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(filePath), inspect, temp.stream);
    const type = detectFileType(Buffer.concat(head));
    if (bytes === 0) throw new Error('the file is empty');
    if (!type) throw new Error('not a photo or video the upload accepts (type sniffed from content)');
    return { originalName: path.basename(filePath), tempPath: temp.path, sha256: hash.digest('hex'), bytes, type };
  } catch (err) {
    await blobs.removeTemp(temp.path);
    throw err;
  }
}

const formatMb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

async function main(): Promise<number> {
  if (!existsSync(FIXTURES_DIR)) {
    process.stdout.write(
      `No media fixtures at ${FIXTURES_DIR}: nothing to seed.\n` +
        'The demo uses the real camera files of ../shared/fixtures/media beside the repository; without them, upload your own at / instead.\n',
    );
    return 0;
  }

  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, 'seed-demo'));
  try {
    const elections = await catalog.activeElections(ctx);
    const election = elections[0];
    if (!election) {
      process.stderr.write('There is no active election to attach the demo submissions to; add or activate one in the admin catalog first.\n');
      return 1;
    }
    const categories = new Set((await catalog.activeCategories(ctx)).map((c) => c.code));
    process.stdout.write(`Seeding demo submissions into ${describeDb(config.databaseUrl)} (election: ${election.name_en}; storage: ${config.storageDir})\n`);

    let created = 0;
    for (const demo of DEMOS) {
      const { files: names, ...input } = demo;
      if (!categories.has(input.categoryCode)) {
        process.stdout.write(`- skipped "${input.description}": category ${input.categoryCode} is not active\n`);
        continue;
      }
      const files: IncomingFile[] = [];
      try {
        for (const name of names) {
          const filePath = path.join(FIXTURES_DIR, name);
          if (!existsSync(filePath)) {
            process.stdout.write(`  (fixture ${name} is missing: left out)\n`);
            continue;
          }
          try {
            files.push(await receiveFixture(ctx.blobs, filePath));
          } catch (err) {
            process.stdout.write(`  (fixture ${name} left out: ${(err as Error).message})\n`);
          }
        }
        if (files.length === 0) {
          process.stdout.write(`- skipped "${input.description}": none of its files is available\n`);
          continue;
        }
        const receipt = await createSubmission(ctx, { ...input, electionId: election.id }, files);
        created++;
        process.stdout.write(`- submission ${receipt.submissionId}: ${input.region}, station ${input.stationNumber}, ${input.categoryCode}\n`);
        for (const f of receipt.files) process.stdout.write(`    ${f.name}  ${f.type}  ${formatMb(f.bytes)}  sha256 ${f.sha256}\n`);
      } catch (err) {
        const message = err instanceof AppError ? `${err.code}: ${errorText(err, 'en')}` : (err as Error).message;
        process.stdout.write(`- FAILED "${input.description}": ${message}\n`);
        return 1;
      } finally {
        // createSubmission moves what it stores; anything still in tmp/ goes.
        await Promise.all(files.map((f) => ctx.blobs.removeTemp(f.tempPath)));
      }
    }
    process.stdout.write(
      `Created ${created} demo submission(s). They wait in the moderation queue (/moderation); ` +
        `the worker (npm start) makes their thumbnails and reads their metadata.\n`,
    );
    return 0;
  } finally {
    await ctx.close();
  }
}

function describeDb(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}/${decodeURIComponent(u.pathname.slice(1))}`;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`seed-demo failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
