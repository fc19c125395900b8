import type { AppContext } from '../domain/context';
import { scrubOriginal } from '../domain/integrity/scrub.service';
import { backfillFileFlags } from '../domain/processing/flags-backfill.service';
import { processMediaFile, processOrMoveToHeavyLane, renderOwedPreview } from '../domain/processing/process-media.service';
import { JOB_NAMES, type JobName } from '../domain/queue/jobs';
import { replicateDerivative, replicateLog, replicateOriginal, verifyReplicaCopy } from '../domain/replication/replication.service';
import { makeVideoCopy } from '../domain/processing/video-copy.service';

export type JobHandler = (ctx: AppContext, id: string) => Promise<unknown>;

/** Exactly one handler per job name; checked at start-up so a missing one cannot ship silently. */
export const JOB_HANDLERS: Record<JobName, JobHandler> = {
  'process-media': processOrMoveToHeavyLane,
  'process-video': processMediaFile,
  'render-preview': renderOwedPreview,
  'backfill-flags': backfillFileFlags,
  'replicate-original': replicateOriginal,
  'replicate-log': replicateLog,
  'replicate-derivative': replicateDerivative,
  'scrub-original': scrubOriginal,
  'verify-replica-copy': verifyReplicaCopy,
  'encode-video': makeVideoCopy,
};

export function assertEveryJobHasOneHandler(): void {
  const names = Object.keys(JOB_HANDLERS).sort();
  const expected = [...JOB_NAMES].sort();
  if (names.join() !== expected.join()) {
    throw new Error(`job handlers (${names.join(', ')}) do not match job names (${expected.join(', ')})`);
  }
}
