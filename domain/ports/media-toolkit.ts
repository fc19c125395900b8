import type { Derivatives } from '../media/derivatives';
import type { DetectedType } from '../media/file-type';
import type { MediaMetadata } from '../media/metadata';

/** What an image's header declares; nothing is decoded to read it. */
export type ImageHeader = { width: number | null; height: number | null; exif: Buffer | null; xmp: Buffer | null };

/** The parts of ffprobe's report (-show_format -show_streams) the metadata reader uses. */
export type VideoProbe = {
  format?: { duration?: string; tags?: Record<string, string> };
  streams?: {
    codec_type?: string;
    width?: number;
    height?: number;
    disposition?: { attached_pic?: number };
    tags?: Record<string, string>;
    side_data_list?: { rotation?: number }[];
  }[];
};

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
   * The full-size preview of a photo whose renderDerivatives gave none (it was made ready from
   * its embedded thumbnail): the one full decode of the file.
   */
  renderFullPreview(filePath: string, type: DetectedType, hints: RenderHints, bytes?: Buffer): Promise<{ preview: Buffer; warnings: string[] }>;
  /** A 3×3 JPEG sheet of frames spread evenly across a video. */
  renderContactSheet(filePath: string, hints: RenderHints): Promise<Buffer>;
  /** The perceptual hash of an image held in memory, decoded strictly (damaged data is refused). */
  perceptualHashOfImage(bytes: Buffer, maxPixels: number): Promise<string>;
};
