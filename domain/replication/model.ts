/** Where one off-site replica stands: what it still lacks of the originals and of the log's public data. */
export type ReplicaLag = {
  replica: string;
  /** Originals with no confirmed copy on this replica. */
  missing: number;
  /** When the oldest of them was stored: how long the replica has lagged. */
  oldestMissingSince: Date | null;
  lastConfirmedAt: Date | null;
  /** Derivatives (thumbnails, previews, published video copies) with no checked copy of their current bytes on this replica. */
  derivativesMissing: number;
  /** The largest signed tree whose checkpoints and leaf hashes the replica holds (0: none yet). */
  logTreeSize: number;
  logConfirmedAt: Date | null;
};

export type ReplicationStatus = {
  /** The newest signed head's size: a replica whose logTreeSize is smaller lacks part of the log. */
  logTreeSize: number;
  replicas: ReplicaLag[];
};
