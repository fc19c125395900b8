import { receiptState } from '../../../domain/submissions/receipt-page.service';

/** What the receipt page says of a submission: its status and how far its files are, in six words. */
describe('the state a receipt shows', () => {
  const of = (status: Parameters<typeof receiptState>[0]['status'], files_waiting = 0, files_processing = 0) => receiptState({ status, files_waiting, files_processing });

  test('before review: received until the worker takes a file, then being processed', () => {
    expect(of('pending', 2, 0)).toBe('received');
    expect(of('pending', 1, 1)).toBe('processing');
  });

  test('files done and undecided, or verified and not yet public: in review', () => {
    expect(of('pending')).toBe('in_review');
    expect(of('verified')).toBe('in_review');
  });

  test('a question from the moderators is said whatever the files are doing: the holder can answer it', () => {
    expect(of('needs_info')).toBe('needs_info');
    expect(of('needs_info', 0, 1)).toBe('needs_info');
  });

  test('published, and every decided way of not being public, without saying which', () => {
    expect(of('published')).toBe('published');
    for (const status of ['rejected', 'withdrawn', 'merged'] as const) expect(of(status)).toBe('not_published');
  });
});
