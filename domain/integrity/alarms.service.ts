/**
 * What the server's self-checks found wrong, raised loudly: an error in the log (pino, level
 * error, "INTEGRITY ALARM") and a row admins see at GET /admin/integrity and the public counts at
 * GET /healthz/integrity. A later check that finds the same thing right resolves it.
 */
import type { AlarmKind } from '../../db/integrity.repo';
import type { AppContext } from '../context';

export type { AlarmKind };

export async function raiseAlarm(ctx: AppContext, kind: AlarmKind, subject: string, detail: string): Promise<void> {
  ctx.log.error({ alarm: kind, subject, detail }, 'INTEGRITY ALARM');
  await ctx.repos.integrity.raiseAlarm({ kind, subject, detail });
}

export async function resolveAlarm(ctx: AppContext, kind: AlarmKind, subject: string): Promise<void> {
  if (await ctx.repos.integrity.resolveAlarm(kind, subject)) ctx.log.warn({ alarm: kind, subject }, 'integrity alarm resolved: a later check found it right');
}

/** For everyone (GET /healthz/integrity): whether anything is wrong, in counts; no file or leaf named. */
export async function publicIntegrityStatus(ctx: AppContext) {
  const [alarms, originals, logScrub] = await Promise.all([
    ctx.repos.integrity.openAlarmCounts(),
    ctx.repos.integrity.originalCheckSummary(),
    ctx.repos.integrity.logScrubState(),
  ]);
  return {
    ok: Object.keys(alarms).length === 0,
    open_alarms: alarms,
    originals: { stored: originals.originals, hashed_at_least_once: originals.checked, oldest_check: originals.oldestCheck?.toISOString() ?? null },
    log_scrub: { next_leaf: logScrub.nextLeaf, full_passes: logScrub.cycles, last_run: logScrub.lastRunAt?.toISOString() ?? null },
  };
}

/** For admins (GET /admin/integrity): the same, with each open alarm in full. */
export async function integrityReport(ctx: AppContext) {
  const [status, alarms] = await Promise.all([publicIntegrityStatus(ctx), ctx.repos.integrity.openAlarms()]);
  return {
    ...status,
    alarms: alarms.map((a) => ({ kind: a.kind, subject: a.subject, detail: a.detail, first_seen: a.firstSeenAt.toISOString(), last_seen: a.lastSeenAt.toISOString() })),
  };
}
