export interface SlidingWindowOptions {
  /** Requests allowed per key within the window. */
  max: number;
  windowMs: number;
  /** Keys tracked at most; the least recently seen are forgotten first (default 10,000). */
  maxKeys?: number;
  /** A monotonic clock in ms (default performance.now). */
  now?: () => number;
}

export type SlidingWindowVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * piStat's rate limiter: each key (client address) keeps the times of its accepted requests; those
 * older than the window are dropped first, and a request is refused when `max` remain. A refused
 * request is not recorded, so hammering does not extend the block. The refusal says how long until
 * the oldest request leaves the window.
 */
export class SlidingWindowLimiter {
  readonly max: number;
  readonly windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** Times per key, oldest first; Map order = least recently seen first. */
  readonly #times = new Map<string, number[]>();

  constructor(options: SlidingWindowOptions) {
    this.max = options.max;
    this.windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#times.size;
  }

  /** Counts one request from `key` if it is allowed. */
  hit(key: string): SlidingWindowVerdict {
    const now = this.#now();
    const times = this.#times.get(key) ?? [];
    const expired = times.findIndex((t) => now - t <= this.windowMs);
    times.splice(0, expired < 0 ? times.length : expired);
    // Re-insert: the key becomes the most recently seen.
    this.#times.delete(key);
    this.#times.set(key, times);
    if (times.length >= this.max) {
      const leavesIn = times[0] + this.windowMs - now;
      return { allowed: false, retryAfterSeconds: Math.floor(leavesIn / 1000) + 1 };
    }
    times.push(now);
    if (this.#times.size > this.#maxKeys) this.#evict();
    return { allowed: true };
  }

  /** Forgets the least recently seen keys until the table fits. */
  #evict(): void {
    for (const key of this.#times.keys()) {
      if (this.#times.size <= this.#maxKeys) break;
      this.#times.delete(key);
    }
  }
}
