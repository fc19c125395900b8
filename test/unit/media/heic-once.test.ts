/**
 * Issue 13, item 6: never decode the same HEIC twice. Each picture of a HEIC fixture goes through
 * the process's long-running HEVC decoders exactly once from its first look to its full-size
 * preview: one with an embedded thumbnail decodes the thumbnail at its first look and the picture
 * for its preview; one without decodes the picture once, at its first look, and the preview, thumb
 * and perceptual hash all come from those pixels (no preview is owed).
 */
import fs from 'node:fs';
import sharp from 'sharp';
import { PREVIEW_EDGE, THUMB_EDGE } from '../../../domain/media/derivatives';
import { detectFileType, SNIFF_BYTES } from '../../../domain/media/file-type';
import { readHeifItems } from '../../../domain/media/heif';
import { extractMetadata } from '../../../domain/media/metadata';
import { createMediaToolkit } from '../../../infra/compose';
import { SHRINKS, sharedHevcDecoder } from '../../../infra/media/hevc-decoder';
import { describeWithFixtures, fixturePath, loadExpected } from '../../helpers/fixtures';

const media = createMediaToolkit();
const heics = () => loadExpected().filter((e) => e.mime === 'image/heic');
/** Images sent to this process's shared HEVC decoders so far, whatever their shrink. */
const decodes = () => SHRINKS.reduce((sum, k) => sum + sharedHevcDecoder(k).requests, 0);

afterAll(() => SHRINKS.forEach((k) => sharedHevcDecoder(k).close()));

describeWithFixtures('a HEIC is decoded once from its first look to its preview', () => {
  test.each(heics().map((e) => [e.file, e] as const))('%s', async (file, expected) => {
    const path = fixturePath(file);
    const bytes = fs.readFileSync(path);
    const hasThumbnail = readHeifItems(bytes).thumbnail !== null;
    const type = detectFileType(bytes.subarray(0, SNIFF_BYTES))!;
    const meta = await extractMetadata(media, path, type);

    const before = decodes();
    const first = await media.renderDerivatives(path, type, meta, bytes);
    expect(decodes() - before).toBe(1);
    expect(first.phash).toMatch(/^[0-9a-f]{16}$/);
    // Without a thumbnail the first look is the one full decode: the preview comes with it.
    expect(first.preview === null).toBe(hasThumbnail);
    const preview = first.preview ?? (await media.renderFullPreview(path, type, meta, bytes)).preview;
    expect(decodes() - before).toBe(hasThumbnail ? 2 : 1);

    const long = Math.max(expected.display_width!, expected.display_height!);
    const [p, t] = await Promise.all([sharp(preview).metadata(), sharp(first.thumb).metadata()]);
    expect(Math.max(p.width!, p.height!)).toBe(Math.min(PREVIEW_EDGE, long));
    expect(Math.max(t.width!, t.height!)).toBe(Math.min(THUMB_EDGE, long));
    expect(p.height! > p.width!).toBe(expected.display_height! > expected.display_width!);
    expect(t.height! > t.width!).toBe(expected.display_height! > expected.display_width!);
  }, 60_000);
});
