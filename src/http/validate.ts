import type { z } from 'zod';
import { InputError } from '../errors.js';

/**
 * `value` checked against `schema` (the same schema /openapi.json documents): the parsed value, or
 * an InputError (400 unless `status` says otherwise) with the first problem's message, prefixed by
 * its field unless the message names it already (custom messages keep a seed system's exact text).
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, status = 400): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const last = String(issue?.path.at(-1) ?? '');
  const message = issue?.message ?? 'invalid input';
  throw new InputError(field && !message.includes(last) ? `${field}: ${message}` : message, status);
}
