/**
 * The words of moderation and its state machine: which decision may be taken from which status.
 * The service enforces it and the review page offers exactly the forms it allows.
 */
import type { OriginalReveal } from '../media/original-reveals';
import type { FileRedaction } from '../media/redaction';
import type { PublicChoices, SubmissionStatus } from '../submissions/model';

export const DECISION_ACTIONS = ['verify', 'verify_publish', 'reject', 'needs_info', 'publish', 'unpublish', 'merge'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

export const REJECT_REASONS = ['not_evidence', 'unverifiable', 'staged_or_edited', 'wrong_election', 'duplicate', 'endangers_people', 'other'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const CHECKLIST_ITEMS = ['source', 'time', 'place', 'content'] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];
/** Facts that establish a checklist item on their own (domain/moderation/checklist-facts.ts). */
export const CHECKLIST_FACTS = ['capture_within_window', 'gps_near_station', 'gps_in_claimed_region', 'camera_metadata_intact'] as const;
export type ChecklistFactCode = (typeof CHECKLIST_FACTS)[number];
/**
 * Each check is passed, or explained. A pass the moderator confirmed as the page pre-ticked it
 * names the fact (`prefilled`); one they ticked themselves does not.
 */
export type Checklist = Record<ChecklistItem, { ok: true; prefilled?: ChecklistFactCode } | { ok: false; note: string }>;

/** Which statuses each decision can be taken from. */
const ALLOWED_FROM: Record<DecisionAction, readonly SubmissionStatus[]> = {
  verify: ['pending', 'needs_info'],
  verify_publish: ['pending', 'needs_info'],
  reject: ['pending', 'needs_info', 'verified'],
  needs_info: ['pending', 'verified'],
  publish: ['verified'],
  unpublish: ['published'],
  merge: ['pending', 'needs_info', 'verified'],
};

export const canDecide = (action: DecisionAction, status: SubmissionStatus): boolean => ALLOWED_FROM[action].includes(status);

/** The decisions an entry in this status can take, in the order the review page offers them. */
export const allowedActions = (status: SubmissionStatus): DecisionAction[] => DECISION_ACTIONS.filter((a) => canDecide(a, status));

/** A published entry's public title and description may be edited without a new decision. */
export const canEditPublicText = (status: SubmissionStatus): boolean => status === 'published';

/** Entries waiting for their first decision: next/previous move within their own queue. */
export const awaitsFirstDecision = (status: SubmissionStatus): boolean => status === 'pending' || status === 'needs_info';

/** Entries waiting for a decision: opening one claims it. */
export const isClaimable = (status: SubmissionStatus): boolean => status === 'pending' || status === 'needs_info' || status === 'verified';

/** Every decision names the version of the entry the moderator saw (optimistic concurrency). */
export type Decision = { version: number } & (
  | { action: 'verify'; checklist: Checklist }
  | { action: 'verify_publish'; checklist: Checklist; choices: PublicChoices; confirmedReveals: OriginalReveal[]; redactions: FileRedaction[] }
  | { action: 'reject'; reasonCode: RejectReason; reason: string }
  | { action: 'needs_info'; reason: string }
  | { action: 'publish'; choices: PublicChoices; confirmedReveals: OriginalReveal[]; redactions: FileRedaction[] }
  | { action: 'unpublish'; reason: string }
  | { action: 'merge'; into: string; reason: string }
);

/** A decision as recorded, with who took it. */
export type DecisionRecord = {
  id: string;
  action: DecisionAction;
  reason: string | null;
  reason_code: RejectReason | null;
  checklist: Checklist | null;
  public_choices: PublicChoices | null;
  merged_into: string | null;
  created_at: Date;
  account_email: string;
};

/** A moderator's hold on an entry while reviewing it. */
export type Claim = { submission_id: string; account_id: string; account_email: string; claimed_at: Date; expires_at: Date };

/** An internal note (never public); replies name their parent. */
export type Note = { id: string; parent_id: string | null; account_email: string; body: string; created_at: Date };
