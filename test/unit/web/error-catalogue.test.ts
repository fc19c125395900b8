import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { AppError, fromStoreFailure } from '../../../domain/errors';
import { ROW_PROBLEM_CODES } from '../../../domain/imports/row-problem';
import { z } from 'zod';
import { parse } from '../../../api/middleware/validate';
import { errorText, errorWords, fieldIssueText, fieldProblem, fieldWordsAll, missingThings, type FieldIssue } from '../../../web/error-messages';

const ROOT = path.join(__dirname, '../../..');

/** Every .ts file of the code (not the tests). */
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** How each way of raising an error names its code and its parameters (argument positions). */
const RAISERS: Record<string, { code: number | string; params?: number }> = {
  badRequest: { code: 0, params: 1 },
  conflict: { code: 0, params: 1 },
  forbidden: { code: 0 },
  serviceBusy: { code: 0, params: 2 },
  tooManyRequests: { code: 0 },
  notFound: { code: 'not_found' },
  payloadTooLarge: { code: 'too_large', params: 0 },
  unsupportedMedia: { code: 'unsupported_type' },
  insufficientStorage: { code: 'insufficient_storage' },
  unauthorized: { code: 'unauthorized' },
};

type Raised = { code: string; where: string; given: string[] | null; thing?: string };

/** The string literals an expression may be: 'a', or cond ? 'a' : 'b'. */
function literals(e: ts.Expression | undefined): string[] | null {
  if (!e) return null;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  if (ts.isParenthesizedExpression(e)) return literals(e.expression);
  if (ts.isConditionalExpression(e)) {
    const [a, b] = [literals(e.whenTrue), literals(e.whenFalse)];
    return a && b ? [...a, ...b] : null;
  }
  return null;
}

/** The parameter names an object literal surely gives (a spread gives only optional ones, unchecked). */
function givenNames(e: ts.Expression | undefined): string[] | null {
  if (!e) return [];
  if (!ts.isObjectLiteralExpression(e)) return null; // built elsewhere: only its optional parts may be named
  return e.properties.flatMap((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? [p.name.text] : []));
}

/** Every place the code raises an AppError: new AppError(status, code, params) and the helpers of domain/errors.ts. */
function raisedErrors(): { raised: Raised[]; unnamed: string[] } {
  const raised: Raised[] = [];
  const unnamed: string[] = [];
  for (const file of ['api', 'domain', 'infra', 'web', 'worker', 'scripts'].flatMap(sources)) {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const isNew = ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'AppError';
      const isCall = ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text in RAISERS;
      if (isNew || isCall) {
        const args = [...((node as ts.CallExpression | ts.NewExpression).arguments ?? [])];
        const how = isNew ? { code: 1, params: 2 } : RAISERS[((node as ts.CallExpression).expression as ts.Identifier).text]!;
        const where = `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
        const codes = typeof how.code === 'string' ? [how.code] : literals(args[how.code]);
        if (!codes) {
          // only the helpers themselves pass a code they were given
          if (file !== path.join('domain', 'errors.ts')) unnamed.push(where);
        } else {
          const given = how.params === undefined ? [] : givenNames(args[how.params]);
          const thing = how.code === 'not_found' ? literals(args[0])?.[0] : undefined;
          for (const code of codes) raised.push({ code, where, given, ...(thing ? { thing } : {}) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { raised, unnamed };
}

/** zod's methods that take a message after their limit or pattern, and those whose only argument may be one. */
const ZOD_MESSAGE_AFTER = new Set(['regex', 'min', 'max', 'length', 'gt', 'gte', 'lt', 'lte', 'refine', 'startsWith', 'endsWith', 'includes', 'multipleOf']);
const ZOD_MESSAGE_ONLY = new Set(['uuid', 'int', 'positive', 'nonnegative', 'negative', 'nonpositive', 'email', 'url', 'nonempty']);

/** Every place in api/ where a schema would carry words of its own (a literal message) instead of a catalogue key. */
function schemaProse(): string[] {
  const found: string[] = [];
  for (const file of sources('api')) {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const isText = (e: ts.Node | undefined) => !!e && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e));
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const method = node.expression.name.text;
        const args = [...node.arguments];
        if (ZOD_MESSAGE_AFTER.has(method) && args.slice(1).some(isText)) found.push(where(node));
        if (ZOD_MESSAGE_ONLY.has(method) && isText(args[0])) found.push(where(node));
      }
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && ['error', 'message'].includes(node.name.text) && isText(node.initializer)) found.push(where(node));
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The parameters a text names: required outside […], optional inside. */
function namedParams(text: string): { required: string[]; optional: string[] } {
  const optionalParts = [...text.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!).join(' ');
  const names = (s: string) => [...s.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
  return { required: names(text.replace(/\[[^\]]*\]/g, '')), optional: names(optionalParts) };
}

/** The kinds of failure the repositories throw, as db/errors.ts declares them. */
function storeFailureKinds(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'db/errors.ts'), 'utf8');
  const declared = /export type StoreFailureKind =([\s\S]*?);/.exec(text.replace(/\/\*[\s\S]*?\*\//g, ''))![1]!;
  return [...declared.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
}

describe('the error catalogue', () => {
  const { raised, unnamed } = raisedErrors();

  test('finds the errors it checks (the scan itself works), and every code is named where it is raised', () => {
    expect(new Set(raised.map((r) => r.code)).size).toBeGreaterThan(90);
    expect(raised.find((r) => r.code === 'slug_taken')).toMatchObject({ where: expect.stringMatching(/^domain\/catalog\/catalog\.service\.ts:\d+$/), given: ['slug'] });
    expect(raised.filter((r) => r.code === 'archive_outcome_unknown_no_key')).toHaveLength(1); // both sides of a ?: are found
    expect(unnamed).toEqual([]);
  });

  test('every code raised anywhere has Russian and English words', () => {
    const without = raised.filter((r) => !errorWords(r.code)?.ru || !errorWords(r.code)?.en).map((r) => `${r.code} (${r.where})`);
    expect(without).toEqual([]);
  });

  test('every parameter a message needs is given where the error is raised, and nothing it does not name', () => {
    const problems: string[] = [];
    for (const r of raised) {
      const words = errorWords(r.code);
      if (!words || r.code === 'not_found') continue;
      const { required, optional } = namedParams(words.en);
      if (r.given === null) continue; // a built object: the optional parts only (checked by the texts' own tests)
      for (const name of required) if (!r.given.includes(name)) problems.push(`${r.code} (${r.where}) needs {${name}}`);
      for (const name of r.given) if (!required.includes(name) && !optional.includes(name)) problems.push(`${r.code} (${r.where}) gives {${name}}, which its words never say`);
    }
    expect(problems).toEqual([]);
  });

  test('both languages name the same parameters, the same way', () => {
    const raisedCodes = [...new Set(raised.map((r) => r.code))];
    const differing = raisedCodes.filter((code) => {
      const words = errorWords(code);
      return words && JSON.stringify(namedParams(words.ru)) !== JSON.stringify(namedParams(words.en));
    });
    expect(differing).toEqual([]);
    const sortedParams = (text: string) => JSON.stringify(Object.values(namedParams(text)).map((names) => [...names].sort()));
    const fieldsDiffering = fieldWordsAll().filter((w) => !w.ru || !w.en || sortedParams(w.ru) !== sortedParams(w.en));
    expect(fieldsDiffering).toEqual([]);
  });

  test('every 404 names a thing that has its own sentence in both languages', () => {
    const things = raised.filter((r) => r.code === 'not_found' && !r.where.startsWith(path.join('domain', 'errors.ts'))).map((r) => r.thing ?? `(unnamed at ${r.where})`);
    expect(things.length).toBeGreaterThan(20);
    expect(things.filter((t) => !missingThings.includes(t as never))).toEqual([]);
    for (const thing of missingThings) {
      const error = new AppError(404, 'not_found', { thing });
      expect(errorText(error, 'ru')).toMatch(/[а-я]{4}/);
      expect(errorText(error, 'en')).not.toBe(errorText(error, 'ru'));
    }
  });

  test('what the database refuses (db/errors.ts) is said in both languages', () => {
    const kinds = storeFailureKinds();
    expect(kinds).toContain('publication_held');
    for (const kind of kinds) {
      const failure = Object.assign(new Error(kind), { name: 'StoreFailure', kind });
      const error = fromStoreFailure(failure)!;
      expect({ kind, ru: !!errorWords(error.code)?.ru, en: !!errorWords(error.code)?.en }).toEqual({ kind, ru: true, en: true });
      expect({ kind, leftOver: /\{[a-z_]+\}/.test(errorText(error, 'ru') + errorText(error, 'en')) }).toEqual({ kind, leftOver: false });
    }
  });

  test('why an import left a line out is said in both languages, with every parameter filled', () => {
    const params = { column: 'tik', columns: ['voters', 'valid'], max: 300, min: -90, uik: '451', line: 2, from: 'turnout_10:00', to: 'turnout_12:00' };
    for (const code of ROW_PROBLEM_CODES) {
      const said = { ru: errorText({ code, params }, 'ru'), en: errorText({ code, params }, 'en') };
      expect({ code, ru: !!errorWords(code)?.ru, en: !!errorWords(code)?.en, leftOver: /\{[a-z_]+\}/.test(said.ru + said.en) }).toEqual({ code, ru: true, en: true, leftOver: false });
    }
  });

  test('parameters are filled, words for codes are said in the language, an optional part only when given, the wait after', () => {
    const decided = new AppError(409, 'already_decided', { status: 'published', action: 'verify_publish', by: 'm@example.org', at: '2026-09-20 18:00' });
    expect(errorText(decided, 'ru')).toBe('По этой отправке уже принято решение, её статус: опубликовано (подтверждено и опубликовано: m@example.org, 2026-09-20 18:00 UTC). Ничего не изменено.');
    expect(errorText(new AppError(409, 'already_decided', { status: 'rejected' }), 'en')).toBe('This submission was already decided: it is rejected. Nothing was changed.');
    expect(errorText(new AppError(400, 'csv_columns', { missing: ['uik', 'region'], unknown: '—' }), 'en')).toBe('The columns do not match this election’s protocol; missing: uik, region; unknown: —.');
    expect(errorText(new AppError(409, 'original_reveals', { reveals: ['gps', 'device'] }), 'ru')).toContain('скрыто в публикации: GPS-координаты, устройство.');
    expect(errorText(new AppError(503, 'busy', {}, undefined, 5), 'ru')).toBe('Сервер сейчас перегружен. Повторите через 5 с.');
    expect(errorText(new AppError(429, 'rate_limited', {}, undefined, 600), 'en')).toBe('Too many requests from your address. Try again in 10 min.');
  });

  test('a form error says every item in words, never a field name; the log line of an error is its code and parameters', () => {
    const form = new AppError(400, 'invalid_input', {}, { fields: ['note_source', 'note_time', 'note_place', 'note_content'].map((field) => ({ field, message: 'x' })) });
    const ru = errorText(form, 'ru');
    for (const item of ['Источник правдоподобен', 'Время согласуется', 'Место согласуется', 'Видно заявленное нарушение']) expect(ru).toContain(`Отметьте «${item}»`);
    expect(ru).not.toMatch(/note_/);
    expect(new AppError(409, 'slug_taken', { slug: 'duma' }).message).toBe('slug_taken {"slug":"duma"}');
  });

  test('no schema writes words of its own: a message is a catalogue key, and the scan finds one that is not', () => {
    expect(schemaProse()).toEqual([]);
    // the scan itself: a file with prose in each of the three places is caught three times
    const probe = path.join(ROOT, 'api', `catalogue-probe-${process.pid}.ts`);
    fs.writeFileSync(probe, "z.string().max(3, 'Too long.'); z.uuid('Bad id.'); z.enum(['a'], { error: `Pick ${1}.` });\n");
    try {
      expect(schemaProse().filter((w) => w.startsWith(path.relative(ROOT, probe)))).toHaveLength(3);
    } finally {
      fs.unlinkSync(probe);
    }
  });

  test('a field’s problem is said in the reader’s language: its own words, a named problem, or zod’s kind with the parameter’s name', () => {
    const issues = (schema: z.ZodType, value: unknown): FieldIssue[] => {
      try {
        parse(schema, value);
      } catch (e) {
        return (e as AppError).details!.fields as FieldIssue[];
      }
      throw new Error('parsed');
    };
    const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional(), q: z.string().max(5).optional(), region: z.string().optional() });
    const said = (value: unknown, lang: 'ru' | 'en') => issues(query, value).map((i) => fieldIssueText(i, lang));
    expect(said({ limit: '500' }, 'en')).toEqual(['limit may be at most 100.']);
    expect(said({ limit: '500' }, 'ru')).toEqual(['«limit»: не больше 100.']);
    expect(said({ limit: 'ten' }, 'en')).toEqual(['limit must be a number.']);
    expect(said({ limit: '2.5' }, 'ru')).toEqual(['«limit» должно быть целым числом.']);
    expect(said({ q: ['a', 'b'] }, 'en')).toEqual(['q must be given once.']);
    expect(said({ q: 'abcdefgh' }, 'ru')).toEqual(['«q»: не больше 5 символов.']);
    expect(said({ limt: '5' }, 'en')).toEqual(['Unknown parameter(s): limt. This address takes: limit, q, region.']);
    expect(said({ limt: '5' }, 'ru')).toEqual(['Неизвестные параметры: limt. Этот адрес принимает: limit, q, region.']);
    // a form field has the page's words (FIELD_WORDS) whatever its kind of problem
    expect(said({ region: 5 }, 'ru')).toEqual(['Укажите регион или страну (до 200 символов).']);
    // a named problem, with the parameters the schema gave it
    const named = z.object({ from: z.string() }).superRefine((_, ctx) => ctx.addIssue({ code: 'custom', path: ['from'], message: fieldProblem('range_reversed'), params: { to: 'captured_to' } }));
    expect(issues(named, { from: 'x' }).map((i) => fieldIssueText(i, 'en'))).toEqual(['from must be before captured_to.']);
    expect(issues(named, { from: 'x' }).map((i) => fieldIssueText(i, 'ru'))).toEqual(['«from» должно быть раньше «captured_to».']);
  });
});
