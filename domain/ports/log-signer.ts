import type { Checkpoint } from '../transparency/checkpoint';

/**
 * The transparency log's signing key, behind its adapter: the domain asks for signatures and never
 * holds the private key. Today an Ed25519 key in a file only the worker reads (infra/log-signer);
 * a separate signer process or an HSM would plug in here.
 */
export interface LogSigner {
  /** The key's name in signed notes: the log's origin. */
  readonly name: string;
  /** The C2SP verifier key, name+key id+public key: what checks this signer's notes. */
  readonly vkey: string;
  /** The 4-byte key id (8 hex digits) its signature lines carry. */
  readonly keyId: string;
  /** The public key, SPKI PEM, as recorded in the database for the API. */
  readonly publicKeyPem: string;
  /** The checkpoint as a C2SP signed note with this key's signature. */
  signCheckpoint(checkpoint: Checkpoint): string;
  /** Any other note the log vouches for (a promise key's delegation): text ending in a newline. */
  signNote(text: string): string;
  /**
   * The signer's own memory of the largest checkpoint it signed and saw stored, kept outside the
   * database (beside the key): a database rolled back or rewritten behind its back cannot roll
   * this back too, so the signer notices instead of signing the other history.
   */
  lastSignedCheckpoint(): Promise<string | null>;
  /** Remembers a checkpoint once it is stored; a smaller one than remembered is ignored. */
  rememberSignedCheckpoint(note: string, treeSize: number): Promise<void>;
}

/**
 * Opens the signer, loading (or creating) its key on first use: only the worker calls it, so the
 * web-facing API never touches the key even though its context can name the opener.
 */
export type OpenLogSigner = () => Promise<LogSigner>;

/**
 * The key that signs inclusion promises at upload (domain/transparency/promise.ts): made when the
 * process starts and kept in memory only, so the web-facing API signs promises without ever
 * holding the log key; the log key vouches for it (a delegation the worker signs).
 */
export interface PromiseSigner {
  readonly vkey: string;
  /** The note text signed: text, blank line, the promise key's signature line. */
  signNote(text: string): string;
}
