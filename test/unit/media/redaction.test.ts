import sharp from 'sharp';
import { decisionFromForm } from '../../../api/moderation/moderation.schema';
import { AppError } from '../../../domain/errors';
import { detectFileType, SNIFF_BYTES } from '../../../domain/media/file-type';
import { extractMetadata } from '../../../domain/media/metadata';
import { clipRegion, redactedCopiesKey, regionInPixels, type RedactionRegion } from '../../../domain/media/redaction';
import { createMediaToolkit } from '../../../infra/compose';
import { describeWithFixtures, fixtureHead, fixturePath } from '../../helpers/fixtures';
import { compareCopies, decodeJpeg, meanInBox } from '../../helpers/pixels';
import { errorText } from '../../../web/error-messages';

const media = createMediaToolkit();

describeWithFixtures('redacted copies of a real photo', () => {
  const regions: RedactionRegion[] = [
    { x: 0.1, y: 0.15, w: 0.3, h: 0.25, style: 'blur' },
    { x: 0.55, y: 0.6, w: 0.25, h: 0.2, style: 'fill' },
  ];

  // A 12 MP phone photo turned by its EXIF orientation (6): boxes are in the displayed picture.
  test.each(['samsung-galaxy-s7_gps_orient6.jpg', 'iphone-15-pro_gps_offset_orient6.heic'])(
    '%s: every box changed in the preview and the thumb, nothing else beyond the blur edge',
    async (file) => {
      const type = detectFileType(fixtureHead(file, SNIFF_BYTES))!;
      const meta = await extractMetadata(media, fixturePath(file), type);
      const [plain, redacted] = await Promise.all([
        media.renderDerivatives(fixturePath(file), type, meta),
        media.renderRedactedCopies(fixturePath(file), type, meta, regions),
      ]);
      // A HEIC with an embedded thumbnail gets its plain thumb from that and its preview later
      // (renderFullPreview); its redacted copies all come from the one full decode, so the thumb
      // to compare with is that decode's, with no box.
      const unredacted = plain.preview
        ? { preview: plain.preview, thumb: plain.thumb }
        : { preview: (await media.renderFullPreview(fixturePath(file), type, meta)).preview, thumb: (await media.renderRedactedCopies(fixturePath(file), type, meta, [])).thumb };
      for (const [kind, margin] of [['preview', 16], ['thumb', 16]] as const) {
        const [a, b] = await Promise.all([decodeJpeg(unredacted[kind]), decodeJpeg(redacted[kind])]);
        expect({ kind, width: b.width, height: b.height }).toEqual({ kind, width: a.width, height: a.height });
        expect(b.height).toBeGreaterThan(b.width); // portrait, as displayed
        const { insideMean, outsideMax } = compareCopies(a, b, regions, margin);
        // the preview is the same JPEG outside the boxes; the thumb's encoder may round a level differently
        expect({ kind, outsideMax: outsideMax <= (kind === 'preview' ? 0 : 2) }).toEqual({ kind, outsideMax: true });
        expect({ kind, blurChanged: insideMean[0]! > 2, fillChanged: insideMean[1]! > 20 }).toEqual({ kind, blurChanged: true, fillChanged: true });
        expect(meanInBox(b, regions[1]!, 4)).toBeLessThan(8);
      }
    },
    60_000,
  );

  test('a blurred box keeps no detail: its pixels vary far less than the original’s', async () => {
    const file = 'samsung-galaxy-s7_gps_orient6.jpg';
    const type = detectFileType(fixtureHead(file, SNIFF_BYTES))!;
    const meta = await extractMetadata(media, fixturePath(file), type);
    const blur: RedactionRegion = { x: 0.2, y: 0.2, w: 0.5, h: 0.4, style: 'blur' };
    const [plain, redacted] = await Promise.all([media.renderDerivatives(fixturePath(file), type, meta), media.renderRedactedCopies(fixturePath(file), type, meta, [blur])]);
    const box = async (jpeg: Buffer) => {
      const { width, height } = await sharp(jpeg).metadata();
      const r = regionInPixels(blur, width!, height!);
      return sharp(jpeg).extract({ left: r.left + 4, top: r.top + 4, width: r.width - 8, height: r.height - 8 }).greyscale().raw().toBuffer();
    };
    // detail: mean difference between horizontally neighbouring pixels
    const detail = (px: Buffer, width: number) => {
      let sum = 0;
      for (let i = 1; i < px.length; i++) if (i % width) sum += Math.abs(px[i]! - px[i - 1]!);
      return sum / px.length;
    };
    const { width } = await sharp(plain.preview!).metadata();
    const w = regionInPixels(blur, width!, 1).width - 8;
    const [before, after] = await Promise.all([box(plain.preview!), box(redacted.preview)]);
    expect(detail(after, w)).toBeLessThan(detail(before, w) / 4);
  }, 60_000);
});

describe('redaction boxes', () => {
  test('are clipped to the picture; a box wholly outside is dropped', () => {
    expect(clipRegion({ x: 0.9, y: -0.1, w: 0.3, h: 0.3, style: 'fill' })).toEqual({ x: 0.9, y: 0, w: 0.1, h: 0.2, style: 'fill' });
    expect(clipRegion({ x: 1, y: 0.5, w: 0.2, h: 0.2, style: 'blur' })).toBeNull();
  });

  test('the copies key depends on the original and on every box', () => {
    const a = 'a'.repeat(64);
    const box: RedactionRegion = { x: 0.1, y: 0.1, w: 0.2, h: 0.2, style: 'blur' };
    expect(redactedCopiesKey(a, [box])).toMatch(/^[0-9a-f]{64}$/);
    expect(redactedCopiesKey(a, [box])).toBe(redactedCopiesKey(a, [{ ...box }]));
    expect(redactedCopiesKey(a, [box])).not.toBe(redactedCopiesKey('b'.repeat(64), [box]));
    expect(redactedCopiesKey(a, [box])).not.toBe(redactedCopiesKey(a, [{ ...box, style: 'fill' }]));
  });

  const publishForm = { action: 'publish', version: '3', public_description: 'Ballots thrown in' };
  const fileId = '0b7e6c1e-2f4a-4a7b-9d51-3f1c2b9a7e10';

  test('the form gives each photo its boxes, one a line, in percent; blur unless fill is said', () => {
    const decision = decisionFromForm({ ...publishForm, [`redact_${fileId}`]: '10 20 15 15 blur\r\n\n 50,5 60 10 5 fill\n1 2 3 4' });
    expect(decision.action === 'publish' && decision.redactions).toEqual([
      {
        fileId,
        regions: [
          { x: 0.1, y: 0.2, w: 0.15, h: 0.15, style: 'blur' },
          { x: 0.505, y: 0.6, w: 0.1, h: 0.05, style: 'fill' },
          { x: 0.01, y: 0.02, w: 0.03, h: 0.04, style: 'blur' },
        ],
      },
    ]);
    expect(decisionFromForm({ ...publishForm, [`redact_${fileId}`]: '  ' })).toMatchObject({ redactions: [] });
  });

  test('a line that is not a box is refused, naming it', () => {
    const refused = (() => {
      try {
        decisionFromForm({ ...publishForm, [`redact_${fileId}`]: '10 20 0 15 blur\nface here' });
      } catch (e) {
        return e;
      }
      return null;
    })() as AppError;
    expect(refused).toBeInstanceOf(AppError);
    expect(refused.code).toBe('invalid_input');
    const said = errorText(refused, 'ru');
    expect(said).toContain('«10 20 0 15 blur»');
    expect(said).toContain('«face here»');
  });
});
