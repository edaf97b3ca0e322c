import type { Context, Middleware, Next } from 'koa';
import type { SlidingWindowLimiter } from './sliding-window.js';

/** piStat's X-Response-Time: the naive UTC time of the answer (`2025-03-04T10:00:00.123`), not a duration. */
export function naiveUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, -1);
}

/**
 * The headers piStat adds to every answer, errors and 429s included: nosniff, DENY, the XSS filter,
 * `Cache-Control: public, max-age=<cache seconds>` and X-Response-Time.
 */
export function securityHeaders(cacheSeconds: number, now: () => number = Date.now): Middleware {
  const fixed = {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'X-XSS-Protection': '1; mode=block',
    'Cache-Control': `public, max-age=${cacheSeconds}`,
  };
  return async (ctx: Context, next: Next) => {
    ctx.set(fixed);
    try {
      await next();
    } finally {
      ctx.set(fixed);
      ctx.set('X-Response-Time', naiveUtc(now()));
    }
  };
}

/**
 * piStat's limiter per client address: over the limit → 429 with piStat's body, plus `Retry-After`
 * (seconds until the oldest counted request leaves the window), which piStat did not send.
 */
export function rateLimit(limiter: SlidingWindowLimiter): Middleware {
  const message = `Maximum ${limiter.max} requests per ${Math.round(limiter.windowMs / 1000)} seconds`;
  return async (ctx: Context, next: Next) => {
    // ctx.ip: the socket's address, or a trusted proxy's word for it (http.trustedProxies).
    const verdict = limiter.hit(ctx.ip);
    if (!verdict.allowed) {
      ctx.status = 429;
      ctx.set('Retry-After', String(verdict.retryAfterSeconds));
      ctx.body = { error: 'Rate limit exceeded', message };
      return;
    }
    await next();
  };
}

/**
 * Lets the compression middleware act on 200 answers only (piStat compresses nothing else), and only
 * when the client accepts gzip: with `identity;q=0` or `*;q=0` and no gzip, nothing is acceptable,
 * and the answer goes out uncoded (RFC 9110 12.5.3) instead of koa-compress failing on it.
 */
export async function compressOnlyOk(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status !== 200 || !ctx.acceptsEncodings('gzip')) ctx.compress = false;
}
