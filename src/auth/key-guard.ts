import { PimeshError } from '../errors.js';
import type { FailureLimiter } from './failure-limiter.js';

/** Too many wrong keys from one address: 429 with `Retry-After`. */
export class RateLimitedError extends PimeshError {
  readonly headers: Record<string, string>;
  readonly retryAfterSeconds: number;

  constructor(what: string, retryAfterSeconds: number) {
    super(`too many wrong ${what}s from this address; retry in ${retryAfterSeconds} s`, {
      code: 'ERR_RATE_LIMITED',
      status: 429,
    });
    this.retryAfterSeconds = retryAfterSeconds;
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export interface KeyChecker {
  verify(candidate: string): Promise<boolean>;
}

/**
 * A key check with a failure limit, the same for the network key and the admin key: an address
 * with too many wrong keys gets RateLimitedError before its key is even looked at, and the checks
 * of one address run one after the other, so parallel guesses cannot outrun the limiter.
 */
export class KeyGuard {
  readonly #key: KeyChecker;
  readonly #limiter: FailureLimiter;
  readonly #what: string;
  readonly #tails = new Map<string, Promise<unknown>>();

  constructor(key: KeyChecker, limiter: FailureLimiter, what = 'key') {
    this.#key = key;
    this.#limiter = limiter;
    this.#what = what;
  }

  /** Throws RateLimitedError while `addr` is blocked. */
  async refuseIfBlocked(addr: string): Promise<void> {
    const blocked = await this.#limiter.blocked(addr);
    if (blocked) throw new RateLimitedError(this.#what, blocked.retryAfterSeconds);
  }

  /** Whether `candidate` is the key; a wrong one counts against `addr`. */
  check(addr: string, candidate: string): Promise<boolean> {
    return this.#oneAtATime(addr, async () => {
      await this.refuseIfBlocked(addr);
      const ok = await this.#key.verify(candidate);
      if (!ok) await this.#limiter.fail(addr);
      return ok;
    });
  }

  #oneAtATime<T>(addr: string, task: () => Promise<T>): Promise<T> {
    const run = (this.#tails.get(addr) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => undefined);
    this.#tails.set(addr, tail);
    void tail.then(() => {
      if (this.#tails.get(addr) === tail) this.#tails.delete(addr);
    });
    return run;
  }
}
