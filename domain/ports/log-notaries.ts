/**
 * Others who vouch for the transparency log's heads: witnesses (C2SP tlog-witness) and an RFC 3161
 * timestamping authority. The domain builds and checks every byte; this port only carries them.
 */
export type NotaryAnswer = { status: number; contentType: string; body: Buffer };

export type LogNotaries = {
  /** POSTs a tlog-witness add-checkpoint body to <url>/add-checkpoint; the witness's answer as it is. */
  addCheckpoint(url: string, body: string, timeoutMs: number): Promise<NotaryAnswer>;
  /** POSTs an RFC 3161 TimeStampReq (DER) to the authority; its TimeStampResp as it is. */
  timestamp(url: string, request: Buffer, timeoutMs: number): Promise<NotaryAnswer>;
};
