/**
 * The receipt a person keeps after uploading: enough to prove, with nothing but Node and
 * scripts/verify-receipt.mjs, that the log holds each file as received, without trusting Svidetel.
 *
 * Receipt JSON, version 1 (bytes are lowercase hex unless said otherwise):
 *
 *   {
 *     "version": 1,
 *     "log_origin": "svidetel.example/log",          // first line of every checkpoint of this log
 *     "key": {                                       // absent until the log's signer (the worker) has
 *                                                    // published it: then take it from /api/v1/log/key
 *       "vkey": "<name>+<key id>+<base64 key>",      // signed-note verifier key of the log
 *       "fingerprint": "<hex SHA-256 of the 32-byte Ed25519 public key>"  // compare with the published one
 *     },
 *     "files": [{
 *       "name": "IMG_0001.jpg",                      // as uploaded; informational
 *       "sha256": "<64 hex>", "size": 123456,        // of the file's bytes
 *       "leaf": { "version": 1, "sha256": "<64 hex>", "size": 123456,
 *                 "received_at": 1718000000000,      // ms since the Unix epoch, UTC
 *                 "nonce": "<32 hex>", "index": 42 },// the leaf record (layout: leaf.ts)
 *       "leaf_index": 42,
 *       "leaf_hash": "<64 hex>",                     // SHA-256(0x00 ‖ encoded leaf record)
 *       "sth": { "origin", "tree_size", "root_hash" (hex), "timestamp" (ISO 8601, unsigned),
 *                "checkpoint" (the signed note) },   // optional: absent until a tree head covers the leaf
 *       "inclusion_proof": ["<64 hex>", ...],        // optional: RFC 6962 audit path to sth.root_hash
 *       "proof_url": "https://…",                    // optional: where a ProofBundle for a newer head is served
 *       "promise": "<signed note>"                   // optional: the inclusion promise (promise.ts)
 *     }],
 *     "promise_key": "<signed note>"                 // optional: the log key's delegation of the promise key
 *   }
 *
 * A ProofBundle (served at proof_url, accepted by the verifier as --sth) is
 *   { "leaf_index": 42, "leaf_hash": "<64 hex>", "sth": {…as above…}, "inclusion_proof": [...] }.
 * The verifier also accepts a bare "sth" object as --sth when the receipt's proof is for that size.
 */
import { keyFingerprint, parseVkey, type SthJson } from './checkpoint';
import { encodeLeaf, leafToJson, type LeafJson, type LeafRecord } from './leaf';
import { leafHash } from './merkle';

export const RECEIPT_VERSION = 1;

export interface ReceiptKey {
  vkey: string;
  fingerprint: string;
}

export interface ReceiptFile {
  name: string;
  sha256: string;
  size: number;
  leaf: LeafJson;
  leaf_index: number;
  leaf_hash: string;
  sth?: SthJson;
  inclusion_proof?: string[];
  proof_url?: string;
  /** The signed inclusion promise (promise.ts), given at upload. */
  promise?: string;
}

export interface Receipt {
  version: typeof RECEIPT_VERSION;
  log_origin: string;
  key?: ReceiptKey;
  files: ReceiptFile[];
  /** The log key's delegation of the key that signed the files' promises. */
  promise_key?: string;
}

export interface ProofBundle {
  leaf_index: number;
  leaf_hash: string;
  sth: SthJson;
  inclusion_proof: string[];
}

export function receiptFile(args: {
  name: string;
  record: LeafRecord;
  sth?: SthJson;
  inclusionProof?: readonly Buffer[];
  proofUrl?: string;
}): ReceiptFile {
  const { record } = args;
  return {
    name: args.name,
    sha256: record.sha256.toString('hex'),
    size: record.size,
    leaf: leafToJson(record),
    leaf_index: record.index,
    leaf_hash: leafHash(encodeLeaf(record)).toString('hex'),
    ...(args.sth ? { sth: args.sth } : {}),
    ...(args.inclusionProof ? { inclusion_proof: args.inclusionProof.map((h) => h.toString('hex')) } : {}),
    ...(args.proofUrl ? { proof_url: args.proofUrl } : {}),
  };
}

export function buildReceipt(logOrigin: string, vkey: string | null, files: ReceiptFile[]): Receipt {
  const key = vkey === null ? {} : { key: { vkey, fingerprint: keyFingerprint(parseVkey(vkey).rawPublicKey) } };
  return { version: RECEIPT_VERSION, log_origin: logOrigin, ...key, files };
}
