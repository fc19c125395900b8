import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../domain/errors';
import { localizedErrorMessage } from '../../../web/error-messages';

const ROOT = path.join(__dirname, '../../..');

/** Every .ts file of the code that raises errors for people. */
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** The codes raised anywhere: `badRequest('code', …)`, `conflict(…)`, `forbidden(…)`, `serviceBusy(…)`, `new AppError(400, 'code', …)`. */
function raisedCodes(): Map<string, string> {
  const raised = /\b(?:badRequest|forbidden|conflict|serviceBusy)\(\s*'([a-z_]+)'|new AppError\(\s*\d+\s*,\s*'([a-z_]+)'/g;
  const codes = new Map<string, string>();
  for (const file of ['api', 'domain', 'infra'].flatMap(sources)) {
    for (const match of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(raised)) codes.set((match[1] ?? match[2])!, file);
  }
  return codes;
}

describe('the error catalogue', () => {
  test('finds the codes it checks (the scan itself works)', () => {
    const codes = raisedCodes();
    expect(codes.size).toBeGreaterThan(50);
    expect(codes.get('slug_taken')).toBe(path.join('domain', 'catalog', 'catalog.service.ts'));
  });

  test('every code raised anywhere has Russian words, the default language', () => {
    const english = 'ENGLISH ONLY';
    const withoutRussian = [...raisedCodes()]
      .filter(([code]) => code !== 'invalid_input') // said per field (RU_BY_FIELD), tested with the forms
      .filter(([code]) => localizedErrorMessage(new AppError(400, code, english), 'ru') === english)
      .map(([code, file]) => `${code} (${file})`);
    expect(withoutRussian).toEqual([]);
  });

  test('the fixed codes of the shared helpers have Russian words too', () => {
    for (const code of ['unauthorized', 'not_found', 'too_large', 'unsupported_type', 'insufficient_storage', 'rate_limited', 'busy', 'retry', 'internal']) {
      expect({ code, ru: localizedErrorMessage(new AppError(400, code, 'EN'), 'ru') }).not.toEqual({ code, ru: 'EN' });
    }
  });
});
