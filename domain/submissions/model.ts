/**
 * What a submission is: its statuses, what a publication may show, and the shapes of an entry the
 * review pages read. db/ stores these (importing the types only); web/ renders them.
 */
import type { Flag } from '../media/flags';

export const SUBMISSION_STATUSES = ['pending', 'needs_info', 'verified', 'published', 'withdrawn', 'rejected', 'merged'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** How precisely a published entry shows its place. */
export const PUBLIC_LOCATIONS = ['precise', 'rounded', 'hidden'] as const;
export type PublicLocation = (typeof PUBLIC_LOCATIONS)[number];

/** What a publishing decision chose to make public. */
export type PublicChoices = { title: string | null; description: string | null; location: PublicLocation; device: boolean; originalDownloadable: boolean };

/** How every view of an entry names it: election, place and category, in both languages. */
export type EntryLabels = {
  election_id: number;
  election_name_ru: string;
  election_name_en: string;
  region: string;
  station_number: string;
  category_code: string;
  category_label_ru: string;
  category_label_en: string;
};

/** An entry as a moderator reviews it: what the observer sent, its status and its public form. */
export type Submission = EntryLabels & {
  id: string;
  description: string;
  happened_at: string | null;
  reporter_role: string | null;
  complaint_status: string | null;
  status: SubmissionStatus;
  version: number;
  received_at: Date;
  decided_at: Date | null;
  published_at: Date | null;
  public_title: string | null;
  public_description: string | null;
  public_location: PublicLocation;
  public_device: boolean;
  original_downloadable: boolean;
  withdrawn_at: Date | null;
  withdrawal_reason: string | null;
  merged_into_id: string | null;
  polling_station_id: number | null;
  station_address: string | null;
  station_lat: number | null;
  station_lon: number | null;
};

export const QUEUE_SORTS = ['oldest', 'newest'] as const;

export type QueueFilter = {
  status: SubmissionStatus;
  electionId: number | null;
  region: string | null;
  categoryCode: string | null;
  flag: Flag | null;
  hasVideo: boolean;
  receivedFrom: Date | null;
  receivedBefore: Date | null;
  sort: (typeof QUEUE_SORTS)[number];
};

/** One line of the review queue. */
export type QueueItem = Pick<
  Submission,
  'id' | 'status' | 'region' | 'station_number' | 'category_code' | 'category_label_ru' | 'category_label_en' | 'received_at' | 'election_name_ru' | 'election_name_en'
> & {
  file_count: number;
  files_unfinished: number;
  first_file_id: string | null;
  has_video: boolean;
  flags: string[];
  /** the first 200 characters */
  description: string;
  claimed_by: string | null;
  /** When the observer last answered a question (the queue marks a pending entry "answered"). */
  answered_at: Date | null;
  /** The stored cluster it is in (db/migrations/021_clusters.sql), null when alone. */
  cluster_id: string | null;
  /** How many entries of its cluster this queue holds (1 when alone); a page lists at most CLUSTER_MEMBERS_SHOWN. */
  cluster_size: number;
  /** Why it is in its cluster: the reasons of its own links (exact_duplicate, same_station, …). */
  cluster_reasons: string[];
};

/** Another report from the same station near the same time. */
export type Corroboration = Pick<Submission, 'id' | 'status' | 'received_at' | 'category_label_ru' | 'category_label_en'> & { description: string };

/** An entry merged into another: a duplicate it now stands for. */
export type MergedEntry = { id: string; received_at: Date; description: string };

/**
 * A moderator's "needs more information" question (the needs_info decision's reason) and the
 * observer's answer, which may add files to the submission. askedBy is for moderators' eyes only:
 * the receipt page never shows who asked.
 */
export type ObserverQuestion = {
  id: string;
  text: string;
  askedAt: Date;
  askedBy: string;
  answer: { id: string; body: string | null; answeredAt: Date; files: { id: string; name: string; sha256: string }[] } | null;
};

/** The question the observer may answer now: the last one asked, while the submission waits for it. */
export function openQuestion(status: SubmissionStatus, questions: readonly ObserverQuestion[]): ObserverQuestion | null {
  const last = questions.at(-1);
  return status === 'needs_info' && last && !last.answer ? last : null;
}
