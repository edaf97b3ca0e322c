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

/**
 * The one error middleware, first in the chain: every error becomes `{ error: { code, message } }`
 * with its status. Messages are shown for 4xx only; a 5xx says only what kind of failure it was
 * (a 503 names the missing device, which is what the steward needs) and is logged by app.on('error').
 */
export async function errorMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (caught) {
    const error = (caught ?? {}) as HttpishError;
    const status = error.status ?? error.statusCode ?? 500;
    const domain = caught instanceof PimeshError;
    const visible = status < 500 || (domain && status === 503) || error.expose === true;
    ctx.status = status;
    if (error.headers) ctx.set(error.headers);
    ctx.body = {
      error: {
        code: error.code ?? (status < 500 ? 'ERR_REQUEST' : 'ERR_INTERNAL'),
        message: visible ? (error.message ?? 'error') : 'internal error',
      },
    };
    if (status >= 500) ctx.app.emit('error', caught, ctx);
  }
}
