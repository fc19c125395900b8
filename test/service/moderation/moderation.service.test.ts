/**
 * decide() on in-memory repositories: which decision is taken from which status, what a refused or
 * stale decision leaves behind (nothing), and the audit row an accepted one appends.
 */
import type { LockedSubmission, NewDecision, StatusChange } from '../../../db/submissions.repo';
import type { SessionUser } from '../../../domain/accounts/model';
import { rowHash } from '../../../domain/audit/audit.service';
import { AppError } from '../../../domain/errors';
import { DECISION_ACTIONS, type Claim, type Decision, type DecisionAction, type DecisionRecord } from '../../../domain/moderation/model';
import { decide } from '../../../domain/moderation/moderation.service';
import type { PublicationHold } from '../../../domain/settings/model';
import { SUBMISSION_STATUSES, type PublicChoices, type SubmissionStatus } from '../../../domain/submissions/model';
import { fakeAuditRepos, noAudit, type AuditTables } from '../../fakes/audit';
import { fakeContext } from '../../fakes/context';
import { fakeDatabase } from '../../fakes/database';

const ENTRY = '00000000-0000-4000-8000-000000000001';
const TARGET = '00000000-0000-4000-8000-000000000002';
const moderator: SessionUser = { accountId: 'a-1', email: 'mod@example.org', role: 'moderator', csrfToken: 'unused', needsTotpSetup: false };

type Tables = AuditTables & {
  submissions: Record<string, LockedSubmission>;
  decisions: (NewDecision & { id: string; created_at: Date; account_email: string })[];
  claims: Claim[];
  holds: PublicationHold[];
};

function moderationDatabase(status: SubmissionStatus, version = 3) {
  const tables: Tables = {
    ...noAudit(),
    submissions: {
      [ENTRY]: { status, version, election_id: 1, merged_into_id: null },
      [TARGET]: { status: 'verified', version: 1, election_id: 1, merged_into_id: null },
    },
    decisions: [],
    claims: [],
    holds: [],
  };
  return fakeDatabase(tables, (t) => ({
    ...fakeAuditRepos(t),
    submissions: {
      lockSubmission: async (id) => (t.submissions[id] ? { ...t.submissions[id] } : null),
      listDecisions: async (id): Promise<DecisionRecord[]> =>
        t.decisions
          .filter((d) => d.submissionId === id)
          .map((d) => ({ id: d.id, action: d.action, reason: d.reason, reason_code: d.reasonCode, checklist: d.checklist, public_choices: d.publicChoices, merged_into: d.mergedInto, created_at: d.created_at, account_email: d.account_email })),
      // The entry locked with its live claim, and the audit head when asked for (as lockHead reads it).
      lockForDecision: async (id, auditHead) => {
        const row = t.submissions[id];
        if (!row) return null;
        const claim = t.claims.find((c) => c.submission_id === id) ?? null;
        const last = t.audit.at(-1);
        return { ...row, claim, auditHead: auditHead ? (last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: Buffer.alloc(32) }) : null };
      },
      // As the statement does: the decision, the status change (the trigger bumps the version), the claim released, the audit row.
      recordDecision: async (d, change: StatusChange, audit) => {
        const row = { id: d.id, created_at: new Date('2026-03-15T12:00:00Z') };
        t.decisions.push({ ...d, ...row, account_email: moderator.email });
        const current = t.submissions[d.submissionId]!;
        t.submissions[d.submissionId] = { ...current, status: change.status, version: current.version + 1, merged_into_id: change.status === 'merged' ? change.into : current.merged_into_id };
        t.claims = t.claims.filter((c) => c.submission_id !== d.submissionId);
        t.audit.push({ ...audit, before: audit.before === null ? null : JSON.parse(audit.before), after: audit.after === null ? null : JSON.parse(audit.after) });
        return row;
      },
    },
    claims: {
      findLiveClaim: async (id) => t.claims.find((c) => c.submission_id === id) ?? null,
      release: async (id) => {
        t.claims = t.claims.filter((c) => c.submission_id !== id);
      },
    },
    settings: { findPublicationHold: async (electionId) => t.holds.find((h) => h.id === electionId) ?? null },
    media: { listMediaFiles: async () => [] }, // the entry's files: none here (redactions name files)
  }));
}

const CHECKLIST = { source: { ok: true }, time: { ok: true }, place: { ok: true }, content: { ok: true } } as const;
const CHOICES: PublicChoices = { title: null, description: 'Вброс бюллетеней на участке.', location: 'rounded', device: false, originalDownloadable: false };

function decisionFor(action: DecisionAction, version: number): Decision {
  switch (action) {
    case 'verify':
      return { version, action, checklist: CHECKLIST };
    case 'verify_publish':
      return { version, action, checklist: CHECKLIST, choices: CHOICES, confirmedReveals: [], redactions: [] };
    case 'publish':
      return { version, action, choices: CHOICES, confirmedReveals: [], redactions: [] };
    case 'reject':
      return { version, action, reasonCode: 'not_evidence', reason: 'a screenshot of a news site' };
    case 'needs_info':
      return { version, action, reason: 'which station?' };
    case 'unpublish':
      return { version, action, reason: 'the observer asked' };
    case 'merge':
      return { version, action, into: TARGET, reason: 'the same event' };
  }
}

/** Where each decision leads from each status; a missing status refuses it. Written out, not derived from the model. */
const LEADS_TO: Record<DecisionAction, Partial<Record<SubmissionStatus, SubmissionStatus>>> = {
  verify: { pending: 'verified', needs_info: 'verified' },
  verify_publish: { pending: 'published', needs_info: 'published' },
  reject: { pending: 'rejected', needs_info: 'rejected', verified: 'rejected' },
  needs_info: { pending: 'needs_info', verified: 'needs_info' },
  publish: { verified: 'published' },
  unpublish: { published: 'withdrawn' },
  merge: { pending: 'merged', needs_info: 'merged', verified: 'merged' },
};

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the decision was taken');
    },
    (err: unknown) => {
      if (!(err instanceof AppError)) throw err;
      return err;
    },
  );

const cases = DECISION_ACTIONS.flatMap((action) => SUBMISSION_STATUSES.map((status) => [action, status] as const));

describe('decide: each decision from each status', () => {
  test.each(cases)('%s from %s', async (action, status) => {
    const db = moderationDatabase(status);
    const ctx = fakeContext(db);
    const leadsTo = LEADS_TO[action][status];
    if (leadsTo) {
      const row = await decide(ctx, ENTRY, moderator, decisionFor(action, 3));
      expect(db.tables.submissions[ENTRY]).toMatchObject({ status: leadsTo, version: 4 });
      expect(db.tables.decisions).toEqual([expect.objectContaining({ id: row.id, submissionId: ENTRY, action, accountId: moderator.accountId })]);
      expect(db.tables.audit).toHaveLength(1);
    } else {
      const err = await refusal(decide(ctx, ENTRY, moderator, decisionFor(action, 3)));
      expect(err.status).toBe(409);
      // Publishing an entry nobody verified says what to do instead of "already decided".
      const unverified = action === 'publish' && (status === 'pending' || status === 'needs_info');
      expect(err.code).toBe(unverified ? 'not_verified' : 'already_decided');
      expect(db.tables.submissions[ENTRY]).toMatchObject({ status, version: 3 });
      expect(db.tables.decisions).toEqual([]);
      expect(db.tables.audit).toEqual([]);
      expect(db.rollbacks).toBe(1);
    }
  });
});

describe('decide: what else refuses a decision', () => {
  test('a form opened on another version is stale: nothing changes, the latest decision is named', async () => {
    const db = moderationDatabase('verified');
    const ctx = fakeContext(db);
    await decide(ctx, ENTRY, moderator, decisionFor('needs_info', 3));
    const err = await refusal(decide(ctx, ENTRY, moderator, decisionFor('reject', 3)));
    expect(err.code).toBe('stale_form');
    expect(err.details).toMatchObject({ status: 'needs_info', version: 4, decision: 'needs_info', decided_by: moderator.email });
    expect(db.tables.decisions.map((d) => d.action)).toEqual(['needs_info']);
    expect(db.tables.audit).toHaveLength(1);
  });

  test("another moderator's live claim refuses it; one's own claim is released by the decision", async () => {
    const db = moderationDatabase('pending');
    const claim = (accountId: string): Claim => ({ submission_id: ENTRY, account_id: accountId, account_email: `${accountId}@example.org`, claimed_at: new Date(), expires_at: new Date('2026-03-15T12:30:00Z') });
    db.tables.claims = [claim('a-2')];
    expect((await refusal(decide(fakeContext(db), ENTRY, moderator, decisionFor('verify', 3)))).code).toBe('claimed');
    db.tables.claims = [claim(moderator.accountId)];
    await decide(fakeContext(db), ENTRY, moderator, decisionFor('verify', 3));
    expect(db.tables.claims).toEqual([]);
  });

  test('publishing during a publication hold is refused; verifying is not', async () => {
    const db = moderationDatabase('pending');
    db.tables.holds = [{ id: 1, slug: 'e', name_ru: 'В', name_en: 'E', polls_close_at: new Date(Date.now() + 3_600_000), hold_publication: true }];
    expect((await refusal(decide(fakeContext(db), ENTRY, moderator, decisionFor('verify_publish', 3)))).code).toBe('publication_held');
    await decide(fakeContext(db), ENTRY, moderator, decisionFor('verify', 3));
    expect(db.tables.submissions[ENTRY]!.status).toBe('verified');
  });

  test('a merge needs another entry that is still open', async () => {
    const db = moderationDatabase('pending');
    const ctx = fakeContext(db);
    expect((await refusal(decide(ctx, ENTRY, moderator, { version: 3, action: 'merge', into: ENTRY, reason: 'x' }))).code).toBe('merge_self');
    expect((await refusal(decide(ctx, ENTRY, moderator, { version: 3, action: 'merge', into: '00000000-0000-4000-8000-00000000000f', reason: 'x' }))).code).toBe('merge_target_missing');
    db.tables.submissions[TARGET]!.status = 'rejected';
    expect((await refusal(decide(ctx, ENTRY, moderator, decisionFor('merge', 3)))).code).toBe('merge_target_closed');
    expect(db.tables.decisions).toEqual([]);
  });
});

describe('decide: redaction', () => {
  const redactions = [{ fileId: '00000000-0000-4000-8000-0000000000a1', regions: [{ x: 0.1, y: 0.1, w: 0.2, h: 0.2, style: 'blur' as const }] }];

  test('a redaction with a downloadable original is refused before anything is rendered', async () => {
    const db = moderationDatabase('pending');
    const ctx = fakeContext(db);
    const decision: Decision = { ...decisionFor('verify_publish', 3), choices: { ...CHOICES, originalDownloadable: true }, redactions } as Decision;
    expect((await refusal(decide(ctx, ENTRY, moderator, decision))).code).toBe('redacted_original');
    expect(db.tables.decisions).toEqual([]);
    expect(db.tables.audit).toEqual([]);
  });

  test('a redaction of a file not in the entry is refused; nothing is decided', async () => {
    const db = moderationDatabase('verified');
    const ctx = fakeContext(db);
    const decision: Decision = { ...decisionFor('publish', 3), redactions } as Decision;
    expect((await refusal(decide(ctx, ENTRY, moderator, decision))).code).toBe('redaction_unknown_file');
    expect(db.tables.decisions).toEqual([]);
  });
});

describe('decide: the audit row', () => {
  test('names the moderator, the status before and after and the decision, chained to the row before it', async () => {
    const db = moderationDatabase('pending');
    const ctx = fakeContext(db);
    const first = await decide(ctx, ENTRY, moderator, decisionFor('needs_info', 3));
    const second = await decide(ctx, ENTRY, moderator, decisionFor('reject', 4));
    const [a, b] = db.tables.audit;
    expect(a).toMatchObject({
      seq: 1,
      actor_id: moderator.accountId,
      actor_label: moderator.email,
      action: 'submission.needs_info',
      entity_type: 'submission',
      entity_id: ENTRY,
      before: { status: 'pending', version: 3 },
      after: { status: 'needs_info', decision_id: first.id, action: 'needs_info', reason: 'which station?' },
    });
    expect(b).toMatchObject({ seq: 2, action: 'submission.reject', before: { status: 'needs_info', version: 4 }, after: { status: 'rejected', decision_id: second.id, reasonCode: 'not_evidence' } });
    expect(a!.prev_hash.equals(Buffer.alloc(32))).toBe(true);
    expect(b!.prev_hash.equals(a!.hash)).toBe(true);
    expect(rowHash(a!.hash, b!).equals(b!.hash)).toBe(true);
  });
});
