import type { FileRedaction, RedactionRegion } from '../domain/media/redaction';
import type { Queryable } from './pool';

/** A redaction as rendered: its rectangles, where its copies are kept and their SHA-256. */
export type RenderedRedaction = FileRedaction & { copiesKey: string; thumbSha256: string; previewSha256: string };

/** Records the redactions a publishing decision chose (append-only, in the decision's transaction). */
export async function insertRedactions(db: Queryable, decisionId: string, submissionId: string, rows: RenderedRedaction[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO media_redactions (decision_id, submission_id, media_file_id, regions, copies_key, thumb_sha256, preview_sha256)
     SELECT $1, $2, r.file_id, r.regions, decode(r.copies_key, 'hex'), decode(r.thumb, 'hex'), decode(r.preview, 'hex')
       FROM unnest($3::uuid[], $4::jsonb[], $5::text[], $6::text[], $7::text[]) AS r (file_id, regions, copies_key, thumb, preview)`,
    [
      decisionId,
      submissionId,
      rows.map((r) => r.fileId),
      rows.map((r) => JSON.stringify(r.regions)),
      rows.map((r) => r.copiesKey),
      rows.map((r) => r.thumbSha256),
      rows.map((r) => r.previewSha256),
    ],
  );
}

/** Each file's latest redaction in a submission (what the review page starts the next publication from). */
export async function listLatestRedactions(db: Queryable, submissionId: string): Promise<FileRedaction[]> {
  const { rows } = await db.query<{ file_id: string; regions: RedactionRegion[] }>(
    `SELECT DISTINCT ON (media_file_id) media_file_id AS file_id, regions
       FROM media_redactions WHERE submission_id = $1 ORDER BY media_file_id, created_at DESC`,
    [submissionId],
  );
  return rows.map((r) => ({ fileId: r.file_id, regions: r.regions }));
}
