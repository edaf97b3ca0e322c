/**
 * The bodies of pi_backend's writes as zod schemas: `POST /api/keys` and `POST /api/data` validate
 * with them, and /openapi.json documents them from them. Messages are pi_backend's, naming the field.
 */
import { z } from 'zod';
import { MAX_DATA_BYTES } from './data-store.js';
import { KEY_NAME, MAX_KEY_VALUE } from './keys-file.js';

const NAME_REQUIRED = 'key_name is required: a name like "GEMINI_API_KEY"';
const VALUE_REQUIRED = 'key_value is required: a non-empty string';

/** `POST /api/keys`: `{"key_name": "GEMINI_API_KEY", "key_value": "..."}`. */
export const keyBody = z.object({
  key_name: z
    .string({ error: NAME_REQUIRED })
    .min(1, { error: NAME_REQUIRED })
    .regex(KEY_NAME, {
      error: 'key_name must be A-Z, 0-9 and _, start with a letter, at most 64 characters',
    })
    .describe('The key to set, e.g. GEMINI_API_KEY or OPENWEATHER_API_KEY'),
  key_value: z
    .string({ error: VALUE_REQUIRED })
    .min(1, { error: VALUE_REQUIRED })
    .max(MAX_KEY_VALUE, { error: `key_value is over ${MAX_KEY_VALUE} characters` })
    .refine((value) => !/[\r\n\0]/.test(value), { error: 'key_value must not contain line breaks or NUL' })
    .describe('The secret; never answered back'),
});

/** `POST /api/data`: `{"data": "your_string_here"}`, at most 64 KiB of UTF-8. */
export const dataBody = z.object({
  data: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'data is required: {"data": "your_string_here"}'
          : 'data must be a string',
    })
    .refine((data) => Buffer.byteLength(data, 'utf8') <= MAX_DATA_BYTES, {
      error: `data is over ${MAX_DATA_BYTES / 1024} KiB`,
    })
    .describe(`Any string up to ${MAX_DATA_BYTES / 1024} KiB of UTF-8`),
});
