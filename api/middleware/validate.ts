import type { Request } from 'express';
import { z } from 'zod';
import { badRequest, type ErrorParams } from '../../domain/errors';
import { isFieldProblem, type FieldIssue, type ProblemKind } from '../../web/error-messages';

/** The value a zod issue's path leads to in what was parsed (a missing field is undefined). */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
}

/** zod's kind of problem, in our words: a schema that names none is still said in the reader's language. */
function kindOf(issue: z.core.$ZodIssue, given: unknown): { kind: ProblemKind; params?: ErrorParams } {
  switch (issue.code) {
    case 'invalid_type':
      if (given === undefined || given === '') return { kind: 'missing' };
      if (Array.isArray(given) && issue.expected !== 'array') return { kind: 'given_twice' }; // a query parameter repeated
      if (issue.expected === 'int') return { kind: 'not_whole' };
      return { kind: issue.expected === 'number' ? 'not_number' : 'malformed' };
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const limit = Number(big ? issue.maximum : issue.minimum);
      if (issue.origin === 'string') return { kind: big ? 'too_long' : limit === 1 ? 'missing' : 'too_short', params: { limit } };
      if (issue.origin === 'array' || issue.origin === 'set') return { kind: big ? 'too_many' : 'too_few', params: { limit } };
      return { kind: big ? 'too_large' : 'too_small', params: { limit } };
    }
    case 'invalid_value':
      return { kind: 'not_one_of', params: { options: issue.values.map(String) } };
    case 'unrecognized_keys':
      return { kind: 'unknown_field' };
    default:
      return { kind: 'malformed' };
  }
}

/** One zod issue as details.fields reports it: the field, the schema's named problem or zod's kind, and their parameters. */
function fieldIssue(issue: z.core.$ZodIssue, value: unknown, accepted: readonly string[]): FieldIssue {
  const path = issue.path.filter((key) => typeof key === 'string'); // an array's index is not a field
  const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : path.join('.');
  const named = isFieldProblem(issue.message) ? issue.message : undefined;
  const { kind, params: kindParams } = kindOf(issue, valueAt(value, issue.path));
  const params = {
    ...kindParams,
    ...(issue.code === 'custom' ? (issue.params as ErrorParams | undefined) : undefined),
    ...(issue.code === 'unrecognized_keys' && issue.path.length === 0 && accepted.length ? { accepted } : {}),
  };
  return { field, kind, ...(named ? { problem: named } : {}), ...(Object.keys(params).length ? { params } : {}) };
}

/**
 * Parses one part of a request with its zod schema; every problem becomes a 400 naming each field
 * (details.fields): the catalogue says each item in the reader's language (web/error-messages.ts).
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const accepted = schema instanceof z.ZodObject ? Object.keys(schema.shape) : []; // what a strict query takes
  throw badRequest('invalid_input', {}, { fields: result.error.issues.map((issue) => fieldIssue(issue, value, accepted)) });
}

export const parseBody = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.body ?? {});
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.query);
export const parseParams = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.params);
