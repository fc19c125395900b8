/**
 * A file received in pieces over as many requests as the network needs (tus 1.0 today; the IETF
 * resumable-uploads draft could speak to the same service). The protocol layer (api/uploads) only
 * moves bytes; what an upload is, when it is complete, and what a submission may take from it is here.
 */
import type { DetectedType } from '../media/file-type';

/** One file being received: its temp file in the blob store and what is known of it so far. */
export type ResumableUpload = {
  id: string;
  tempPath: string;
  declaredBytes: number;
  originalName: string;
  /** Known once the first bytes arrived (null before). */
  type: DetectedType | null;
  /** Known once every byte arrived (null before). */
  sha256: string | null;
  createdAt: Date;
  expiresAt: Date;
};

/** What a submission takes from a finished upload: no protocol in it. */
export type CompletedUpload = { id: string; originalName: string; tempPath: string; bytes: number; sha256: string; type: DetectedType };
