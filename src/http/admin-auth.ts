/**
 * Who may change state or drive hardware: a caller presenting the node's admin key in `X-API-Key`.
 * 401 without the header, 403 with a wrong key, 503 when the node has no admin key configured (the
 * endpoint then cannot be used at all, which is safer than leaving it open).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';

export interface AdminKeyOptions {
  /** config `adminKey` / PIMESH_ADMIN_KEY: the key in plain text. */
  key?: string;
  /** config `adminKeyHash` / PIMESH_ADMIN_KEY_HASH: a bcrypt hash of it. */
  keyHash?: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class AdminKey {
  readonly #key: Buffer | undefined;
  readonly #hash: string | undefined;
  #verified: Buffer | undefined;

  constructor(options: AdminKeyOptions = {}) {
    this.#key = options.key ? digest(options.key) : undefined;
    this.#hash = options.keyHash ? options.keyHash.replace(/^\$2y\$/, '$2b$') : undefined;
  }

  configured(): boolean {
    return this.#key !== undefined || this.#hash !== undefined;
  }

  /** Constant-time comparison (over SHA-256 digests, so the length does not leak either). */
  async verify(candidate: string): Promise<boolean> {
    const hashed = digest(candidate);
    if (this.#key && timingSafeEqual(hashed, this.#key)) return true;
    if (!this.#hash) return false;
    if (this.#verified && timingSafeEqual(this.#verified, hashed)) return true;
    const { default: bcrypt } = await import('bcryptjs');
    const ok = await bcrypt.compare(candidate, this.#hash);
    if (ok) this.#verified = hashed;
    return ok;
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
    ctx.assert(await adminKey.verify(presented), 403, 'wrong admin key in X-API-Key');
    await next();
  };
}
