export interface FailureLimiterOptions {
  /** Failures allowed per address and window before it is blocked (default 10). */
  max?: number;
  /** The window length in ms (default 60 s). */
  windowMs?: number;
  /** How many addresses are tracked at most; the oldest windows are dropped first (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Counts failures (wrong keys) per client address in fixed windows: once an address has `max`
 * failures in its current window it is blocked until the window ends. Memory is bounded: expired
 * windows are swept when the table is full, and the oldest are dropped if it still is.
 */
export class FailureLimiter {
  readonly max: number;
  readonly windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Insertion order = window start order (a new window is re-inserted at the end). */
  readonly #windows = new Map<string, Window>();

  constructor(options: FailureLimiterOptions = {}) {
    this.max = options.max ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many addresses are tracked now. */
  get size(): number {
    return this.#windows.size;
  }

  /** Whether `addr` is over the limit; if so, how long until it may try again. */
  blocked(addr: string): { retryAfterSeconds: number } | undefined {
    const window = this.#current(addr, this.#now());
    if (!window || window.count < this.max) return undefined;
    const left = window.start + this.windowMs - this.#now();
    return { retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) };
  }

  /** Records one failure from `addr`. */
  fail(addr: string): void {
    const now = this.#now();
    const window = this.#current(addr, now);
    if (window) {
      window.count++;
      return;
    }
    this.#windows.delete(addr);
    this.#windows.set(addr, { start: now, count: 1 });
    if (this.#windows.size > this.#maxEntries) this.#evict(now);
  }

  #current(addr: string, now: number): Window | undefined {
    const window = this.#windows.get(addr);
    return window && now - window.start < this.windowMs ? window : undefined;
  }

  #evict(now: number): void {
    // Oldest first: drop expired windows, then the oldest live ones while the table is still too big.
    for (const [addr, window] of this.#windows) {
      if (now - window.start < this.windowMs && this.#windows.size <= this.#maxEntries) break;
      this.#windows.delete(addr);
    }
  }
}
