import type { Logger } from './log.js';

export interface LogThrottleOptions {
  /** At most one line per key in this interval; the rest are counted and summarised (default 60 s). */
  intervalMs?: number;
  /** Keys remembered at most; the oldest are forgotten first (default 500). */
  maxKeys?: number;
  now?: () => number;
}

type Level = 'warn' | 'error' | 'info';

interface KeyState {
  loggedAt: number;
  suppressed: number;
  level: Level;
  message: string;
  /** Fields of the latest suppressed occurrence, shown in the summary. */
  last: Record<string, unknown>;
  timer?: NodeJS.Timeout;
}

/**
 * Bounded logging for things callers can repeat at will (a wrong key, a missing device at every
 * sample, a refused request): the first occurrence of a key is logged, later ones within the
 * interval are only counted, and one summary line per key (`repeated: N`) follows when the interval
 * ends. So no caller can make the node write logs without bound.
 */
export class LogThrottle {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #keys = new Map<string, KeyState>();

  constructor(log: Logger, options: LogThrottleOptions = {}) {
    this.#log = log;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 500;
    this.#now = options.now ?? Date.now;
  }

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    this.#write('warn', key, fields, message);
  }

  error(key: string, fields: Record<string, unknown>, message: string): void {
    this.#write('error', key, fields, message);
  }

  info(key: string, fields: Record<string, unknown>, message: string): void {
    this.#write('info', key, fields, message);
  }

  /** Logs the pending summaries now and forgets every key (on stop). */
  flush(): void {
    for (const key of [...this.#keys.keys()]) this.#summarise(key);
    this.#keys.clear();
  }

  #write(level: Level, key: string, fields: Record<string, unknown>, message: string): void {
    const now = this.#now();
    const state = this.#keys.get(key);
    if (state && now - state.loggedAt < this.#intervalMs) {
      state.suppressed++;
      state.last = fields;
      state.level = level;
      state.timer ??= setTimeout(() => this.#summarise(key), state.loggedAt + this.#intervalMs - now).unref();
      return;
    }
    if (state) this.#summarise(key);
    this.#log[level](fields, message);
    this.#keys.delete(key);
    this.#keys.set(key, { loggedAt: now, suppressed: 0, level, message, last: fields });
    if (this.#keys.size > this.#maxKeys) {
      const oldest = this.#keys.keys().next().value as string;
      this.#summarise(oldest);
      this.#keys.delete(oldest);
    }
  }

  #summarise(key: string): void {
    const state = this.#keys.get(key);
    if (!state) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    if (state.suppressed === 0) return;
    const seconds = Math.round(this.#intervalMs / 1000);
    this.#log[state.level](
      { ...state.last, repeated: state.suppressed, intervalSeconds: seconds },
      `${state.message} (${state.suppressed} more in ${seconds} s)`,
    );
    state.suppressed = 0;
    state.loggedAt = this.#now();
  }
}
