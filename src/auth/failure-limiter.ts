import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import type { RateLimiterMemory as Limiter } from 'rate-limiter-flexible';

// The memory limiter alone: the package's index loads every backend (Redis, Mongo, ...), 9 MB of RSS.
const RateLimiterMemory = createRequire(import.meta.url)(
  'rate-limiter-flexible/lib/RateLimiterMemory.js',
) as typeof Limiter;

export interface FailureLimiterOptions {
  /** Failures allowed per address and window before it is blocked (default 10). */
  max?: number;
  /** The window length in seconds (default 60). */
  windowSeconds?: number;
}

/**
 * The key an address is counted under: IPv4 addresses as they are, IPv6 by their /64 (one host
 * holds a whole /64, so counting single addresses would let it try 2^64 times).
 */
export function limiterKey(addr: string): string {
  const plain = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  if (!isIPv6(plain)) return plain;
  const [head, tail = ''] = plain.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Counts failures (wrong keys) per client address in fixed windows, on rate-limiter-flexible's
 * in-memory limiter: once an address has `max` failures in its window it is blocked until the
 * window ends. Records expire with their window, so memory follows the failures of the last minute.
 */
export class FailureLimiter {
  readonly max: number;
  readonly #limiter: Limiter;

  constructor(options: FailureLimiterOptions = {}) {
    this.max = options.max ?? 10;
    this.#limiter = new RateLimiterMemory({ points: this.max, duration: options.windowSeconds ?? 60 });
  }

  /** Whether `addr` is over the limit; if so, how long until it may try again. */
  async blocked(addr: string): Promise<{ retryAfterSeconds: number } | undefined> {
    const res = await this.#limiter.get(limiterKey(addr));
    if (!res || res.msBeforeNext <= 0 || res.consumedPoints < this.max) return undefined;
    return { retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }

  /** Records one failure from `addr`. */
  async fail(addr: string): Promise<void> {
    await this.#limiter.penalty(limiterKey(addr));
  }
}
