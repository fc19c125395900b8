import { createHash } from 'node:crypto';
import { decisionFromForm } from '../../../api/moderation/moderation.schema';
import { AppError } from '../../../domain/errors';
import { detectFileType, SNIFF_BYTES } from '../../../domain/media/file-type';
import { extractMetadata } from '../../../domain/media/metadata';
import { clipRegion, redactedCopiesKey, type RedactionRegion } from '../../../domain/media/redaction';
import type { RenderedVideoCopy, VideoCopySettings } from '../../../domain/media/video-copy';
import { createMediaToolkit } from '../../../infra/compose';
import { describeWithFixtures, fixtureHead, fixturePath } from '../../helpers/fixtures';
import { NEVER_HOLDING_BOX, compareCopies, decodeJpeg, expectedFrameReport, redactedFrameReport } from '../../helpers/pixels';
import { errorText } from '../../../web/error-messages';

const media = createMediaToolkit();
const settings: VideoCopySettings = { maxHeight: 720, videoKbps: 2500, audioKbps: 96, threads: 2, timeoutMs: 300_000 };

/** Both copies, with and without the boxes, each made as the encode-video job makes it. */
async function copies(file: string, regions: RedactionRegion[]) {
  const type = detectFileType(fixtureHead(file, SNIFF_BYTES))!;
  const meta = await extractMetadata(media, fixturePath(file), type);
  const [plain, redacted] = await Promise.all([
    media.renderVideoCopy(fixturePath(file), meta, settings, undefined, [NEVER_HOLDING_BOX]),
    media.renderVideoCopy(fixturePath(file), meta, settings, undefined, regions),
  ]);
  return { type, meta, plain, redacted };
}

describeWithFixtures('redacted published copy of a real video', () => {
  // 1280×720 H.264, 3.6 s: a blurred box early, a filled one late, and one for the whole clip
  const file = 'apple-coremedia_gps_loci_offset.mp4';
  const regions: RedactionRegion[] = [
    { x: 0.1, y: 0.2, w: 0.3, h: 0.35, style: 'blur', from_s: 0.5, to_s: 1.5 },
    { x: 0.55, y: 0.5, w: 0.3, h: 0.3, style: 'fill', from_s: 2, to_s: 3 },
    { x: 0.8, y: 0.05, w: 0.15, h: 0.15, style: 'fill' },
  ];
  let made: Awaited<ReturnType<typeof copies>>;
  const disposed: RenderedVideoCopy[] = [];
  beforeAll(async () => {
    made = await copies(file, regions);
    disposed.push(made.plain, made.redacted);
  }, 600_000);
  afterAll(() => Promise.all(disposed.map((c) => c.dispose())));

  test('each box is covered while its time range lasts and nowhere else; nothing changes outside the boxes', async () => {
    expect(made.redacted.plan.video).toBe('encode');
    // [time, which boxes hold then]
    const moments: [number, boolean[]][] = [
      [0.2, [false, false, true]],
      [1.0, [true, false, true]],
      [2.5, [false, true, true]],
      [3.3, [false, false, true]],
    ];
    for (const [t, holding] of moments) {
      expect(await redactedFrameReport(made.plain.path, made.redacted.path, regions, t)).toEqual(expectedFrameReport(t, false, holding));
    }
  }, 300_000);

  test('the poster: boxes holding at its frame are covered, a box later in the clip is not', async () => {
    const early: RedactionRegion = { x: 0.2, y: 0.2, w: 0.3, h: 0.3, style: 'blur', from_s: 0, to_s: 2 };
    const late: RedactionRegion = { x: 0.6, y: 0.55, w: 0.3, h: 0.3, style: 'fill', from_s: 3.2, to_s: 3.6 };
    const [plain, redacted] = await Promise.all([
      media.renderDerivatives(fixturePath(file), made.type, made.meta),
      media.renderRedactedCopies(fixturePath(file), made.type, made.meta, [early, late]),
    ]);
    for (const kind of ['preview', 'thumb'] as const) {
      const [a, b] = await Promise.all([decodeJpeg(plain[kind]!), decodeJpeg(redacted[kind])]);
      const { insideMean, outsideMax } = compareCopies(a, b, [early, late], 16);
      // the same frame, the same encoder: outside the boxes the same pixels (the thumb may round a level)
      expect({ kind, outsideMax: outsideMax <= 2 }).toEqual({ kind, outsideMax: true });
      expect({ kind, early: insideMean[0]! > 2, late: insideMean[1]! }).toEqual({ kind, early: true, late: 0 });
    }
  }, 300_000);
});

describeWithFixtures('redaction of a turned video', () => {
  // 568×320 stored, shown portrait (rotation 90): a box is placed in the picture as displayed
  test('the box lies where it was drawn on the upright picture', async () => {
    const box: RedactionRegion = { x: 0.1, y: 0.6, w: 0.5, h: 0.2, style: 'fill' };
    const made = await copies('iphone-6_gps_rot90.mov', [box]);
    try {
      // shown upright: a portrait picture, the box where it was drawn
      expect(await redactedFrameReport(made.plain.path, made.redacted.path, [box], 1)).toEqual(expectedFrameReport(1, true, [true]));
    } finally {
      await Promise.all([made.plain.dispose(), made.redacted.dispose()]);
    }
  }, 300_000);
});

describe('video redaction boxes', () => {
  test('a time range is kept, clipped to the clip’s start, and a range that ends before it starts is dropped', () => {
    expect(clipRegion({ x: 0.1, y: 0.1, w: 0.2, h: 0.2, style: 'blur', from_s: -1, to_s: 2.00049 })).toEqual({ x: 0.1, y: 0.1, w: 0.2, h: 0.2, style: 'blur', from_s: 0, to_s: 2 });
    expect(clipRegion({ x: 0.1, y: 0.1, w: 0.2, h: 0.2, style: 'blur', from_s: 3, to_s: 3 })).toBeNull();
  });

  test('the copies key depends on the time range; a box without one keys as a photo’s always did', () => {
    const a = 'a'.repeat(64);
    const box: RedactionRegion = { x: 0.1, y: 0.1, w: 0.2, h: 0.2, style: 'blur' };
    expect(redactedCopiesKey(a, [{ ...box, from_s: 1, to_s: 2 }])).not.toBe(redactedCopiesKey(a, [{ ...box, from_s: 1, to_s: 3 }]));
    expect(redactedCopiesKey(a, [{ ...box, from_s: 1, to_s: 2 }])).not.toBe(redactedCopiesKey(a, [box]));
    // photos' copies already stored keep their key: the canonical form of a box without time is unchanged
    const asBefore = createHash('sha256').update(`svidetel-redaction-v1\n${a}\n${JSON.stringify([[0.1, 0.1, 0.2, 0.2, 'blur']])}`).digest('hex');
    expect(redactedCopiesKey(a, [box])).toBe(asBefore);
  });

  const publishForm = { action: 'publish', version: '3', public_description: 'Ballots thrown in' };
  const fileId = '0b7e6c1e-2f4a-4a7b-9d51-3f1c2b9a7e10';

  test('the form reads the seconds from and to between the box and its style', () => {
    const decision = decisionFromForm({ ...publishForm, [`redact_${fileId}`]: '10 20 15 15 2,5 8 fill\n1 2 3 4 0 1.25\n5 5 5 5 blur' });
    expect(decision.action === 'publish' && decision.redactions).toEqual([
      {
        fileId,
        regions: [
          { x: 0.1, y: 0.2, w: 0.15, h: 0.15, style: 'fill', from_s: 2.5, to_s: 8 },
          { x: 0.01, y: 0.02, w: 0.03, h: 0.04, style: 'blur', from_s: 0, to_s: 1.25 },
          { x: 0.05, y: 0.05, w: 0.05, h: 0.05, style: 'blur' },
        ],
      },
    ]);
  });

  test('a range that ends before it starts, or a lone time, is refused, naming the line', () => {
    const refusal = (lines: string) => {
      try {
        decisionFromForm({ ...publishForm, [`redact_${fileId}`]: lines });
      } catch (e) {
        return e as AppError;
      }
      return null;
    };
    // the form's refusal names each bad line, in the reader's words
    const said = (lines: string) => errorText(refusal(lines)!, 'en');
    expect(said('10 20 15 15 8 2 blur')).toContain('“10 20 15 15 8 2 blur”');
    expect(said('10 20 15 15 4 blur')).toContain('“10 20 15 15 4 blur”');
  });
});
