/**
 * Who may change state or drive hardware: a caller presenting the node's admin key in `X-API-Key`.
 * 401 without the header, 403 with a wrong key, 429 after too many wrong keys from one address (as
 * the network key), 503 when the node has no admin key configured (the endpoint then cannot be used
 * at all, which is safer than leaving it open).
 */
import type { Context, Next } from 'koa';
import { FailureLimiter } from '../auth/failure-limiter.js';
import { KeyGuard } from '../auth/key-guard.js';
import { SecretKey, type SecretKeyOptions } from '../auth/secret-key.js';

export interface AdminKeyOptions extends SecretKeyOptions {
  /** Wrong keys per address and minute (default: the network key's 10). */
  limiter?: FailureLimiter;
}

/** The node's admin key (config `adminKey` / `adminKeyHash`) behind the shared failure limit. */
export class AdminKey {
  readonly #key: SecretKey;
  readonly #guard: KeyGuard;

  constructor(options: AdminKeyOptions = {}) {
    this.#key = new SecretKey(options);
    this.#guard = new KeyGuard(this.#key, options.limiter ?? new FailureLimiter(), 'admin key');
  }

  configured(): boolean {
    return this.#key.configured();
  }

  /** Whether `candidate` is the admin key; throws RateLimitedError (429) while `addr` is blocked. */
  check(addr: string, candidate: string): Promise<boolean> {
    return this.#guard.check(addr, candidate);
  }
}

/** Koa middleware guarding one route: `router.post('/api/keys', requireAdmin(adminKey), handler)`. */
export function requireAdmin(adminKey: AdminKey) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!adminKey.configured()) {
      ctx.throw(
        503,
        'this endpoint needs an admin key: set PIMESH_ADMIN_KEY (or adminKeyHash in the config)',
        {
          expose: true,
          code: 'ERR_NO_ADMIN_KEY',
        },
      );
    }
    const presented = ctx.get('X-API-Key');
    if (!presented) {
      ctx.set('WWW-Authenticate', 'X-API-Key');
      ctx.throw(401, 'missing X-API-Key header (the node admin key)');
    }
    ctx.assert(await adminKey.check(ctx.ip, presented), 403, 'wrong admin key in X-API-Key');
    await next();
  };
}
