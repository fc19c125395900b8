/** Where one off-site replica stands: what it still lacks of the originals and of the log's public data. */
export type ReplicaLag = {
  replica: string;
  /** Originals with no confirmed copy on this replica. */
  missing: number;
  /** When the oldest of them was stored: how long the replica has lagged. */
  oldestMissingSince: Date | null;
  lastConfirmedAt: Date | null;
  /** Originals it holds other bytes for (counted in `missing` too): an alarm, listed in ReplicationStatus.otherBytes. */
  otherBytes: number;
  /** Derivatives (thumbnails, previews, published video copies) with no checked copy of their current bytes on this replica. */
  derivativesMissing: number;
  /** The largest signed tree whose checkpoints and leaf hashes the replica holds (0: none yet). */
  logTreeSize: number;
  logConfirmedAt: Date | null;
};

/**
 * A replica's copy of an original read back and found to hash to other bytes (tampered with, bit rot,
 * or written there first by someone else): not a confirmed copy, never used by a restore.
 */
export type ReplicaOtherBytes = {
  replica: string;
  sha256: string;
  /** What the replica's bytes hash to. */
  observed: string;
  foundAt: Date;
  lastSeenAt: Date;
  /** The replica refused to remove them (Object Lock): they stay until its retention ends; the right bytes cannot be sent. */
  writeOnce: boolean;
};

export type ReplicationStatus = {
  /** The newest signed head's size: a replica whose logTreeSize is smaller lacks part of the log. */
  logTreeSize: number;
  replicas: ReplicaLag[];
  /** Every replica's other bytes, oldest finding first (at most OTHER_BYTES_SHOWN). */
  otherBytes: ReplicaOtherBytes[];
};
