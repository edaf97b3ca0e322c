import type { Context, Middleware } from 'koa';
import { InputError } from '../errors.js';

const parsers = new Map<number, Promise<Middleware>>();

/** koa-body for one size limit: strict JSON only (no forms, files or text); loaded on first use. */
function parserFor(maxBytes: number): Promise<Middleware> {
  let parser = parsers.get(maxBytes);
  if (!parser) {
    parser = import('koa-body').then(
      ({ koaBody }) =>
        koaBody({
          json: true,
          jsonStrict: true,
          jsonLimit: maxBytes,
          urlencoded: false,
          text: false,
          multipart: false,
          onError: (error) => {
            throw error;
          },
        }) as unknown as Middleware,
    );
    parsers.set(maxBytes, parser);
  }
  return parser;
}

/**
 * The request body as a JSON object, read by koa-body: 415 when it is not sent as JSON, 413 past
 * `maxBytes`, 400 when it is empty, not JSON, or not an object, with `example` showing the shape.
 */
export async function readJsonObject(
  ctx: Context,
  maxBytes: number,
  example: string,
): Promise<Record<string, unknown>> {
  if (!ctx.is('application/json', '+json')) {
    throw new InputError(`request body must be JSON (Content-Type: application/json) like ${example}`, 415);
  }
  try {
    await (await parserFor(maxBytes))(ctx, async () => {});
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 413)
      throw new InputError(
        `request body over ${Math.floor(maxBytes / 1024) || maxBytes} ${maxBytes >= 1024 ? 'KiB' : 'bytes'}`,
        413,
      );
    throw new InputError(`request body must be JSON like ${example}`);
  }
  const value: unknown = ctx.request.body;
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  ) {
    throw new InputError(`request body must be a JSON object like ${example}`);
  }
  return value as Record<string, unknown>;
}
