import type { Context, Next } from 'koa';

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
 * An error thrown on purpose with its status (ctx.throw, ctx.assert, a PimeshError naming a status
 * other than 500: a 400, a 429, a 501, a 503 for a missing device) rather than a fault.
 */
function intended(error: HttpishError): boolean {
  const status = error.status ?? error.statusCode;
  return error.expose === true || (typeof status === 'number' && status !== 500);
}

/**
 * What a caught error may tell the client. An intended error carries its message, 5xx included (a
 * 501 or a 503 says why); it is reported as `refused` (logged by the app, bounded). Anything else is
 * a fault: a 500 saying only "internal error", reported once as `error` with its stack.
 */
function describe(ctx: Context, caught: unknown): Described {
  const error = (caught ?? {}) as HttpishError;
  const status = error.status ?? error.statusCode ?? 500;
  const meant = intended(error);
  ctx.status = status;
  if (error.headers) ctx.set(error.headers);
  const code = error.code ?? (status < 500 ? 'ERR_REQUEST' : 'ERR_INTERNAL');
  if (meant) ctx.app.emit('refused', caught, ctx);
  else ctx.app.emit('error', caught, ctx);
  return { status, code, message: meant ? (error.message ?? 'error') : 'internal error' };
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
