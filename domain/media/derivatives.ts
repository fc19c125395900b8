/**
 * The copies made of every original for review and publication: JPEG, orientation applied, no
 * metadata at all (no EXIF/XMP/IPTC/ICC); for a video also its published copy, an MP4
 * (domain/media/video-copy.ts). The media toolkit renders them (domain/ports/media-toolkit.ts).
 */
export type DerivativeName = 'thumb' | 'preview' | 'poster' | 'contact' | 'video';

/** How each copy is typed when stored and served. */
export const DERIVATIVE_FORMAT: Record<DerivativeName, { extension: string; mime: string }> = {
  thumb: { extension: 'jpg', mime: 'image/jpeg' },
  preview: { extension: 'jpg', mime: 'image/jpeg' },
  poster: { extension: 'jpg', mime: 'image/jpeg' },
  contact: { extension: 'jpg', mime: 'image/jpeg' },
  video: { extension: 'mp4', mime: 'video/mp4' },
};

/**
 * The copies the public archive serves of a published file (a video's preview is its poster frame);
 * the hash look-up recognises these. A contact sheet is shown to moderators only.
 */
export const PUBLIC_DERIVATIVES = ['thumb', 'preview', 'poster', 'video'] as const satisfies readonly DerivativeName[];
export type PublicDerivativeName = (typeof PUBLIC_DERIVATIVES)[number];

export type Derivatives = {
  thumb: Buffer;
  /**
   * null when it is made later (MediaToolkit.renderFullPreview): a HEIC is made ready for
   * moderation from the thumbnail embedded in it, without decoding the full picture first.
   */
  preview: Buffer | null;
  /** 64-bit perceptual hash (16 hex digits) of the displayed picture, for near-duplicate search. */
  phash: string;
  /** Non-fatal problems met while rendering (e.g. a truncated JPEG shown as far as it decodes). */
  warnings: string[];
};

export const PREVIEW_EDGE = 1280;
export const THUMB_EDGE = 320;
/** Larger than any phone or camera sensor; a header claiming more is a decompression bomb. */
export const MAX_INPUT_PIXELS = 100_000_000;
