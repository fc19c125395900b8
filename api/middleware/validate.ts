import type { Request } from 'express';
import type { z } from 'zod';
import { badRequest } from '../../domain/errors';

/** Parses one part of a request with its zod schema; the first problem becomes a readable 400. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.');
  // a message about the whole input (an unknown parameter) needs no field name before it
  throw badRequest('invalid_input', `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`, {
    fields: result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}

export const parseBody = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.body ?? {});
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.query);
export const parseParams = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.params);
