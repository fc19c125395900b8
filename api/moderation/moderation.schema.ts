import { z } from 'zod';
import { QUEUE_FLAGS } from '../../domain/media/flags';
import { ORIGINAL_REVEALS } from '../../domain/media/original-reveals';
import { MAX_REDACTION_REGIONS, type FileRedaction, type RedactionRegion, type RedactionStyle } from '../../domain/media/redaction';
import { CHECKLIST_FACTS, CHECKLIST_ITEMS, DECISION_ACTIONS, REJECT_REASONS, type Checklist, type ChecklistFactCode, type Decision } from '../../domain/moderation/model';
import { PUBLIC_LOCATIONS, QUEUE_SORTS, SUBMISSION_STATUSES, type PublicChoices, type QueueFilter } from '../../domain/submissions/model';
import type { BulkDecision } from '../../domain/moderation/moderation.service';
import { fieldProblem, type FieldProblem } from '../../web/error-messages';
import { parse } from '../middleware/validate';

// Problems are said by the catalogue (web/error-messages.ts: each field's words, or a problem named here).

export const idParams = z.object({ id: z.uuid() });
const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);
const day = z.preprocess(emptyAsUndefined, z.iso.date().optional());

/**
 * The queue's filters are named as the archive's, the API's and the exports' (issue 17, item 7):
 * has_video, and received_from/received_to beside the archive's captured_/published_ ranges. The
 * names the queue used before are moved to these by a redirect (QUEUE_RENAMED_PARAMS).
 */
export const QUEUE_RENAMED_PARAMS: Record<string, string> = { video: 'has_video', from: 'received_from', to: 'received_to' };

/** The queue's filters; an empty form field means "any". */
export const queueQuery = z
  .object({
    after: z.string().max(200).optional(),
    status: z.preprocess(emptyAsUndefined, z.enum(SUBMISSION_STATUSES).default('pending')),
    election: z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().optional()),
    region: z.preprocess(emptyAsUndefined, z.string().trim().max(200).optional()),
    category: z.preprocess(emptyAsUndefined, z.string().regex(/^[a-z0-9_]{2,60}$/).optional()),
    flag: z.preprocess(emptyAsUndefined, z.enum(QUEUE_FLAGS).optional()),
    has_video: z.preprocess(emptyAsUndefined, z.enum(['1', 'true', 'on', '0', 'false'], { error: fieldProblem('one_or_zero') }).optional()),
    received_from: day,
    received_to: day,
    sort: z.preprocess(emptyAsUndefined, z.enum(QUEUE_SORTS).default('oldest')),
    lang: z.string().optional(),
    // what the last bulk decision did (the redirect after it says so)
    bulk_done: z.coerce.number().int().min(0).optional(),
    bulk_refused: z.coerce.number().int().min(0).optional(),
    // the entry decided just before, when the queue had nothing left to open after it
    decided: z.preprocess(emptyAsUndefined, z.uuid().optional()),
  })
  .transform((q) => ({
    after: q.after,
    decided: q.decided ?? null,
    bulk: q.bulk_done !== undefined ? { done: q.bulk_done, refused: q.bulk_refused ?? 0 } : null,
    filter: {
      status: q.status,
      electionId: q.election ?? null,
      region: q.region || null,
      categoryCode: q.category ?? null,
      flag: q.flag ?? null,
      hasVideo: q.has_video === '1' || q.has_video === 'true' || q.has_video === 'on',
      receivedFrom: q.received_from ? new Date(`${q.received_from}T00:00:00Z`) : null,
      // received_to is inclusive: everything before the next day
      receivedBefore: q.received_to ? new Date(Date.parse(`${q.received_to}T00:00:00Z`) + 86_400_000) : null,
      sort: q.sort,
    } satisfies QueueFilter,
  }));

/** A review page's context: the queue it was opened from (from=queue with that queue's filter) and the entry decided just before. */
const reviewContextQuery = z.object({
  from: z.preprocess(emptyAsUndefined, z.literal('queue').optional()),
  decided: z.preprocess(emptyAsUndefined, z.uuid().optional()),
});

export function reviewContextOf(query: unknown): { queue: QueueFilter | null; decided: string | null } {
  const { from, decided } = parse(reviewContextQuery, query);
  return { queue: from === 'queue' ? parse(queueQuery, query).filter : null, decided: decided ?? null };
}

/** The queue's "my region": as observers spell regions; empty forgets it. */
export const myRegionSchema = z.object({
  region: z.preprocess(emptyAsUndefined, z.string().trim().min(1).max(200).optional()),
}).transform((f) => f.region ?? null);

const version = z.coerce.number({ error: fieldProblem('no_version') }).int().min(1); // the message is said for every problem of it
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === '1', z.boolean());
/** A text the action needs: missing, it is asked for in the action's words; too long, the field's words say its limit. */
const requiredText = (missing: FieldProblem, max: number) =>
  // (a schema-wide message would also be said for the too long text: it is given to the missing one only)
  z.string({ error: (issue) => (issue.code === 'invalid_type' ? fieldProblem(missing) : undefined) }).trim().min(1, fieldProblem(missing)).max(max, fieldProblem('text_too_long'));
const optionalText = (max: number) => z.string().trim().max(max).optional().transform((v) => v || null);

const decisionHead = z.object({
  action: z.enum(DECISION_ACTIONS),
  version,
});

/** The fact a pre-ticked item was ticked by (the page clears it when the moderator changes the box). */
const prefilledBy = z.preprocess(emptyAsUndefined, z.enum(CHECKLIST_FACTS, { error: fieldProblem('reload_page') }).optional());

/** Each check is ticked, or explained in its text field: an unticked, unexplained check is refused. */
const checklistSchema = z
  .object(Object.fromEntries(CHECKLIST_ITEMS.flatMap((k) => [[`check_${k}`, checkbox], [`note_${k}`, optionalText(1000)], [`prefilled_${k}`, prefilledBy]])))
  .transform((f, ctx): Checklist => {
    const entries = CHECKLIST_ITEMS.map((k) => {
      const prefilled = f[`prefilled_${k}`] as ChecklistFactCode | undefined;
      if (f[`check_${k}`]) return [k, prefilled ? { ok: true, prefilled } : { ok: true }] as const;
      const note = f[`note_${k}`] as string | null;
      // the field's words name the item as the page labels it
      if (!note) ctx.addIssue({ code: 'custom', path: [`note_${k}`] });
      return [k, { ok: false, note: note ?? '' }] as const;
    });
    return Object.fromEntries(entries) as Checklist;
  });

/** What becomes public; anything not sent gets the privacy-safe default. */
const choicesSchema = z
  .object({
    public_title: optionalText(300),
    public_description: optionalText(10000),
    public_location: z.enum(PUBLIC_LOCATIONS).default('rounded'),
    public_device: checkbox,
    original_downloadable: checkbox,
  })
  .transform((c): PublicChoices => ({
    title: c.public_title,
    description: c.public_description,
    location: c.public_location,
    device: c.public_device,
    originalDownloadable: c.original_downloadable,
  }));

/** The second confirmation the review page offers: what the originals carry, comma-separated. */
const confirmedRevealsSchema = z
  .object({
    confirm_original_reveals: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []),
      z.array(z.enum(ORIGINAL_REVEALS, { error: fieldProblem('reload_page') })),
    ),
  })
  .transform((c) => c.confirm_original_reveals);

/**
 * One rectangle a line: left, top, width, height in percent of the picture, on a video optionally
 * the seconds from and to which it holds, then blur or fill (blur if left out).
 */
const REDACTION_LINE =
  /^\s*(\d{1,3}(?:[.,]\d+)?)\s+(\d{1,3}(?:[.,]\d+)?)\s+(\d{1,3}(?:[.,]\d+)?)\s+(\d{1,3}(?:[.,]\d+)?)(?:\s+(\d{1,6}(?:[.,]\d+)?)\s+(\d{1,6}(?:[.,]\d+)?))?(?:\s+(blur|fill))?\s*$/i;
const decimal = (v: string) => Number(v.replace(',', '.'));
const REDACTION_FIELD = /^redact_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * The redaction of each photo, from its field `redact_<file id>` (the review page's drawing tool
 * writes the lines; without scripts a moderator types them).
 */
const redactionsSchema = z.record(z.string(), z.unknown()).transform((body, ctx): FileRedaction[] => {
  const wrong = (problem: FieldProblem, params: Record<string, string | number> = {}) =>
    ctx.addIssue({ code: 'custom', path: ['redactions'], message: fieldProblem(problem), params });
  const redactions: FileRedaction[] = [];
  for (const [key, value] of Object.entries(body)) {
    const field = REDACTION_FIELD.exec(key);
    if (!field) continue;
    if (typeof value !== 'string') {
      wrong('one_redaction_field');
      continue;
    }
    const regions: RedactionRegion[] = [];
    for (const line of value.split(/\r?\n/).filter((l) => l.trim())) {
      const m = REDACTION_LINE.exec(line);
      const [x, y, w, h] = (m ? m.slice(1, 5) : []).map((v) => decimal(v!) / 100);
      if (!m || x! >= 1 || y! >= 1 || !(w! > 0) || !(h! > 0)) {
        wrong('redaction_not_box', { line: line.trim().slice(0, 40) });
        continue;
      }
      const style = (m[7]?.toLowerCase() ?? 'blur') as RedactionStyle;
      if (m[5] === undefined) {
        regions.push({ x: x!, y: y!, w: w!, h: h!, style });
        continue;
      }
      const [from_s, to_s] = [decimal(m[5]), decimal(m[6]!)];
      if (!(to_s > from_s)) {
        wrong('redaction_reversed', { line: line.trim().slice(0, 40) });
        continue;
      }
      regions.push({ x: x!, y: y!, w: w!, h: h!, style, from_s, to_s });
    }
    if (regions.length > MAX_REDACTION_REGIONS) wrong('too_many_redactions', { limit: MAX_REDACTION_REGIONS });
    if (regions.length) redactions.push({ fileId: field[1]!, regions });
  }
  return redactions;
});

const rejectSchema = z.object({
  reason_code: z.enum(REJECT_REASONS),
  reason: requiredText('reason_reject', 2000),
});
const reasonSchema = (missing: FieldProblem) => z.object({ reason: requiredText(missing, 2000) });
const mergeSchema = z.object({
  merge_into: z.uuid(),
  reason: requiredText('reason_merge', 2000),
});

/** A decision form, checked field by field for the action it names. */
export function decisionFromForm(body: unknown): Decision {
  const { action, version } = parse(decisionHead, body);
  switch (action) {
    case 'verify':
      return { action, version, checklist: parse(checklistSchema, body) };
    case 'verify_publish':
      return {
        action,
        version,
        checklist: parse(checklistSchema, body),
        choices: parse(choicesSchema, body),
        confirmedReveals: parse(confirmedRevealsSchema, body),
        redactions: parse(redactionsSchema, body),
      };
    case 'publish':
      return { action, version, choices: parse(choicesSchema, body), confirmedReveals: parse(confirmedRevealsSchema, body), redactions: parse(redactionsSchema, body) };
    case 'reject': {
      const r = parse(rejectSchema, body);
      return { action, version, reasonCode: r.reason_code, reason: r.reason };
    }
    case 'needs_info':
      return { action, version, reason: parse(reasonSchema('reason_needs_info'), body).reason };
    case 'unpublish':
      return { action, version, reason: parse(reasonSchema('reason_unpublish'), body).reason };
    case 'merge': {
      const m = parse(mergeSchema, body);
      return { action, version, into: m.merge_into, reason: m.reason };
    }
  }
}

/** Ticked entries: each checkbox holds one id, a cluster's checkbox all of its ids (comma-separated), so no script is needed. */
const tickedIds = z.preprocess(
  (v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [x])).filter((x) => x !== ''),
  z.array(z.uuid()).min(1).max(200),
);

/** The queue's "with the ticked entries" form: one reason for all of them. */
export const bulkSchema = z
  .object({
    ids: tickedIds,
    action: z.enum(['reject', 'needs_info', 'merge'], { error: fieldProblem('bulk_action') }),
    reason_code: z.preprocess(emptyAsUndefined, z.enum(REJECT_REASONS).optional()),
    reason: requiredText('reason_bulk', 2000),
    merge_into: z.preprocess(emptyAsUndefined, z.uuid().optional()),
  })
  .transform((f, ctx): { ids: string[]; decision: BulkDecision } => {
    if (f.action === 'reject') {
      if (!f.reason_code) ctx.addIssue({ code: 'custom', path: ['reason_code'] });
      return { ids: f.ids, decision: { action: 'reject', reasonCode: f.reason_code ?? 'other', reason: f.reason } };
    }
    if (f.action === 'merge') {
      if (!f.merge_into) ctx.addIssue({ code: 'custom', path: ['merge_into'] });
      return { ids: f.ids, decision: { action: 'merge', into: f.merge_into ?? '', reason: f.reason } };
    }
    return { ids: f.ids, decision: { action: 'needs_info', reason: f.reason } };
  });

export const noteSchema = z.object({
  body: requiredText('note_empty', 4000),
  parent_id: z.uuid().optional().or(z.literal('').transform(() => undefined)),
});

export const publicTextSchema = z.object({
  version,
  public_title: optionalText(300),
  public_description: optionalText(10000),
});

export const fileVariantParams = z.object({
  id: z.uuid(),
  variant: z.enum(['thumb.jpg', 'preview.jpg', 'contact.jpg', 'video.mp4', 'original']),
});
