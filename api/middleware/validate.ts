import type { Request } from 'express';
import type { z } from 'zod';
import { badRequest } from '../../domain/errors';

/**
 * Parses one part of a request with its zod schema; every problem becomes a 400 naming each field
 * (details.fields): the catalogue says each item in the reader's language (web/error-messages.ts).
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest('invalid_input', {}, { fields: result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
}

export const parseBody = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.body ?? {});
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.query);
export const parseParams = <S extends z.ZodType>(schema: S, req: Request) => parse(schema, req.params);
