/** Answers the catalog repeats: the error shapes of each API family, JSON, HTML and text. */
import { z } from 'zod';
import type { Reply } from './types.js';

export const JSON_TYPE = 'application/json';
export const PHP_HTML = 'text/html; charset=UTF-8';

/** pimesh's own errors: `{"error": {"code", "message"}}`. */
export const nodeErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/** The seed systems' errors (pi_backend, piStat): `{"error": "<message>", "code": "ERR_..."}`. */
export const flatErrorSchema = z.object({ error: z.string(), code: z.string().optional() });

/** The TFG backend's errors (FastAPI): `{"detail": ...}`, a list of problems on a 422. */
export const detailErrorSchema = z.object({ detail: z.unknown() });

export const json = (description: string, schema?: z.ZodType): Reply => ({
  description,
  type: JSON_TYPE,
  schema,
});
export const html = (description: string): Reply => ({ description, type: 'text/html; charset=utf-8' });
export const text = (description: string, type = 'text/plain; charset=utf-8'): Reply => ({
  description,
  type,
});

export const nodeError = (description: string): Reply => json(description, nodeErrorSchema);
export const flatError = (description: string): Reply => json(description, flatErrorSchema);
export const detailError = (description: string): Reply => json(description, detailErrorSchema);

/** The admin key's refusals (requireAdmin), in the flat shape. */
export const ADMIN_REFUSALS: Record<number, Reply> = {
  401: flatError('No X-API-Key header'),
  403: flatError('Wrong admin key'),
  429: flatError('Too many wrong keys from this address (Retry-After)'),
  503: flatError('The node has no admin key configured (or the device is missing)'),
};
