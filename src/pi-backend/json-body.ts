import type { Context } from 'koa';
import { InputError } from '../errors.js';

/**
 * The request body as a JSON object, whatever the Content-Type (curl's -d sends a form type). 413 past
 * `maxBytes`; 400 when it is empty, not JSON, or not an object, with `example` showing the shape.
 */
export async function readJsonObject(
  ctx: Context,
  maxBytes: number,
  example: string,
): Promise<Record<string, unknown>> {
  const tooLarge = () => new InputError(`request body over ${Math.floor(maxBytes / 1024)} KiB`, 413);
  if (Number(ctx.get('Content-Length') || 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`request body must be JSON like ${example}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`request body must be a JSON object like ${example}`);
  }
  return value as Record<string, unknown>;
}
