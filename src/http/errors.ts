import type { Context, Next } from 'koa';
import { PimeshError } from '../errors.js';

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  code?: string;
  message?: string;
  headers?: Record<string, string>;
}

interface Described {
  status: number;
  code: string;
  message: string;
}

/**
 * What a caught error may tell the client. Messages are shown for 4xx only; a 5xx says only what kind
 * of failure it was, except a domain 503, which names the missing device (what the steward needs).
 * 5xx errors other than 503 are logged through app.on('error').
 */
function describe(ctx: Context, caught: unknown): Described {
  const error = (caught ?? {}) as HttpishError;
  const status = error.status ?? error.statusCode ?? 500;
  const domain = caught instanceof PimeshError;
  const visible = status < 500 || (domain && (status === 503 || status === 502)) || error.expose === true;
  ctx.status = status;
  if (error.headers) ctx.set(error.headers);
  // A missing device (503) is a state of the node, not a fault of the server: not logged as an error.
  if (status >= 500 && status !== 503) ctx.app.emit('error', caught, ctx);
  return {
    status,
    code: error.code ?? (status < 500 ? 'ERR_REQUEST' : 'ERR_INTERNAL'),
    message: visible ? (error.message ?? 'error') : 'internal error',
  };
}

/** The one error middleware, first in the chain: every error becomes `{ error: { code, message } }`. */
export async function errorMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (caught) {
    const { code, message } = describe(ctx, caught);
    ctx.body = { error: { code, message } };
  }
}

/**
 * The same, in the shape the seed systems' clients read (pi_backend, piStat): `{ "error": "<message>",
 * "code": "ERR_..." }`. Mounted on those routes only, inside errorMiddleware.
 */
export async function flatErrorMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (caught) {
    const { code, message } = describe(ctx, caught);
    ctx.body = { error: message, code };
  }
}
