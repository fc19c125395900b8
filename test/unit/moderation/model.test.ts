import fs from 'node:fs';
import path from 'node:path';
import { storeFailureOf } from '../../../db/errors';
import { fromStoreFailure } from '../../../domain/errors';
import { FLAGS, FLAG_CODES, QUEUE_FLAGS, RELATIONS } from '../../../domain/media/flags';
import { DECISION_ACTIONS, allowedActions, awaitsFirstDecision, canDecide, canEditPublicText, isClaimable } from '../../../domain/moderation/model';
import { SUBMISSION_STATUSES, type SubmissionStatus } from '../../../domain/submissions/model';

describe('the decision state machine', () => {
  const expected: Record<SubmissionStatus, string[]> = {
    pending: ['verify', 'verify_publish', 'reject', 'needs_info', 'merge'],
    needs_info: ['verify', 'verify_publish', 'reject', 'merge'],
    verified: ['reject', 'needs_info', 'publish', 'merge'],
    published: ['unpublish'],
    withdrawn: [],
    rejected: [],
    merged: [],
  };

  test.each(SUBMISSION_STATUSES)('from %s', (status) => {
    expect(allowedActions(status)).toEqual(expected[status]);
    for (const action of DECISION_ACTIONS) expect(canDecide(action, status)).toBe(expected[status].includes(action));
  });

  test('publishing needs a verification first, in one step or two', () => {
    expect(canDecide('publish', 'pending')).toBe(false);
    expect(canDecide('verify_publish', 'pending')).toBe(true);
    expect(canDecide('publish', 'verified')).toBe(true);
  });

  test('claims, queues and public text follow the status', () => {
    expect(SUBMISSION_STATUSES.filter(isClaimable)).toEqual(['pending', 'needs_info', 'verified']);
    expect(SUBMISSION_STATUSES.filter(awaitsFirstDecision)).toEqual(['pending', 'needs_info']);
    expect(SUBMISSION_STATUSES.filter(canEditPublicText)).toEqual(['published']);
  });
});

describe('the flag registry', () => {
  test('every flag has both labels; the queue filters by every flag; relations are the relation step', () => {
    for (const code of FLAG_CODES) {
      expect(FLAGS[code].label.ru.length).toBeGreaterThan(0);
      expect(FLAGS[code].label.en.length).toBeGreaterThan(0);
    }
    expect(QUEUE_FLAGS).toEqual(FLAG_CODES);
    expect(RELATIONS).toEqual(['exact_duplicate', 'near_duplicate', 'live_photo_pair']);
    expect(FLAG_CODES).toContain('gps_invalid');
  });

  test("the README's list of flags names every flag", () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    for (const code of FLAG_CODES) expect({ code, listed: readme.includes(`\`${code}\``) }).toEqual({ code, listed: true });
  });
});

describe('the publication hold', () => {
  test("the trigger's guard answers with the service's code", () => {
    expect(fromStoreFailure(storeFailureOf(Object.assign(new Error('publication is held until the polls of this election close'), { code: 'SV003' })))).toMatchObject({
      code: 'publication_held',
      status: 409,
    });
  });
});
