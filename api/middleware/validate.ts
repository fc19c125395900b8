import type { Request } from 'express';
import type { z } from 'zod';
import { badRequest } from '../../domain/errors';

/**
 * What one problem says: our own refinements (code 'custom') are written for people and name the
 * item themselves; zod's stock messages need the field before them, as does nothing about the whole input.
 */
function said(issue: z.core.$ZodIssue): string {
  const field = issue.path.join('.');
  return issue.code === 'custom' || !field ? issue.message : `${field}: ${issue.message}`;
}

/** Parses one part of a request with its zod schema; every problem, once each, becomes a readable 400. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  throw badRequest('invalid_input', [...new Set(issues.map(said))].join(' ') || 'invalid', {
    fields: issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}

export const parseBody = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.body ?? {});
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.query);
export const parseParams = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.params);
