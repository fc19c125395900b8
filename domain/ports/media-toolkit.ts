import type { Derivatives } from '../media/derivatives';
import type { DetectedType } from '../media/file-type';
import type { MediaMetadata } from '../media/metadata';
import type { RenderedVideoCopy, VideoCopySettings } from '../media/video-copy';
import type { RedactionRegion } from '../media/redaction';

/** What an image's header declares; nothing is decoded to read it. */
export type ImageHeader = { width: number | null; height: number | null; exif: Buffer | null; xmp: Buffer | null };

/** The parts of ffprobe's report (-show_format -show_streams) the metadata reader uses. */
export type VideoProbe = {
  format?: { duration?: string; bit_rate?: string; tags?: Record<string, string> };
  streams?: {
    codec_type?: string;
    codec_name?: string;
    profile?: string;
    pix_fmt?: string;
    /** 'progressive', 'tt', 'bb', 'tb', 'bt' (interlaced), or 'unknown' */
    field_order?: string;
    bit_rate?: string;
    width?: number;
    height?: number;
    disposition?: { attached_pic?: number };
    tags?: Record<string, string>;
    side_data_list?: { rotation?: number }[];
  }[];
};

/** The redacted public copies of a photo: the published image is the preview. */
export type RedactedCopies = { thumb: Buffer; preview: Buffer };

/** What rendering needs to know of a file beyond its bytes: its displayed size and length. */
export type RenderHints = Pick<MediaMetadata, 'width' | 'height' | 'duration_s'>;

/**
 * The image and video tools (sharp, ffprobe, ffmpeg, heif-convert). They read local files (see
 * BlobStore.withOriginalFile) or bytes in memory; problems with the media itself are thrown as
 * MediaError (domain/media/errors.ts), anything else is an I/O error worth retrying.
 */
export type MediaToolkit = {
  /** Throws when the header cannot be read. */
  readImageHeader(filePath: string): Promise<ImageHeader>;
  /** Throws, with a message fit for a warning, when ffprobe cannot read the file. */
  probeVideo(filePath: string): Promise<VideoProbe>;
  /**
   * The thumb, preview and perceptual hash of a photo or video. `bytes` are the file's contents
   * when the caller already holds them (decoding from memory skips a second read).
   */
  renderDerivatives(filePath: string, type: DetectedType, hints: RenderHints, bytes?: Buffer): Promise<Derivatives>;
  /**
   * The public copies of a photo (a video: its poster) with the rectangles covered, rendered from
   * the original exactly as renderDerivatives renders it (so outside the rectangles they are the
   * same pixels); a video's rectangles are covered while their time ranges last.
   */
  renderRedactedCopies(filePath: string, type: DetectedType, hints: RenderHints, regions: RedactionRegion[], bytes?: Buffer): Promise<RedactedCopies>;
  /**
   * The full-size preview of a photo whose renderDerivatives gave none (it was made ready from
   * its embedded thumbnail): the one full decode of the file.
   */
  renderFullPreview(filePath: string, type: DetectedType, hints: RenderHints, bytes?: Buffer): Promise<{ preview: Buffer; warnings: string[] }>;
  /** A 3×3 JPEG sheet of frames spread evenly across a video. */
  renderContactSheet(filePath: string, hints: RenderHints): Promise<Buffer>;
  /**
   * The published copy of a video (domain/media/video-copy.ts): the one place it is rendered, from
   * the original to the copy, with `regions` (a redaction) burned in while their time ranges last.
   * `onProgress` gets 0…1 as ffmpeg goes. Media problems (undecodable, too slow) throw MediaError.
   */
  renderVideoCopy(
    filePath: string,
    hints: RenderHints,
    settings: VideoCopySettings,
    onProgress?: (fraction: number) => void,
    regions?: RedactionRegion[],
  ): Promise<RenderedVideoCopy>;
  /** The perceptual hash of an image held in memory, decoded strictly (damaged data is refused). */
  perceptualHashOfImage(bytes: Buffer, maxPixels: number): Promise<string>;
};
