/**
 * Decides whether to call a DNS provider and retries it: an update is sent only when the record would
 * change (the provider's lookup when it has one, else the last successful update, forgotten when this
 * node stops being the point of entry), at most once per `minIntervalSeconds`, with bounded retries and
 * backoff for transient failures. Everything it did is in `status()`; secrets never are.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../../log.js';
import { type DnsProvider, DnsUpdateError } from './types.js';

export interface DnsUpdaterOptions {
  /** At most one update per this many seconds (default 300). */
  minIntervalSeconds?: number;
  /** Retries after a transient failure (default 3), backoff from `retryMinMs` (default 1000) doubling. */
  retries?: number;
  retryMinMs?: number;
  log: Logger;
  now?: () => number;
}

export type DnsOutcome = 'updated' | 'unchanged' | 'deferred' | 'failed';

export interface DnsStatus {
  provider: string;
  target: string;
  /** The address we last put in the record (or saw there), if known. */
  lastIp?: string;
  lastUpdateAt?: string;
  lastAttemptAt?: string;
  lastOutcome?: DnsOutcome;
  lastAnswer?: string;
  lastError?: { code: string; message: string; at: string };
  consecutiveFailures: number;
  updates: number;
}

export class DnsUpdater {
  readonly #provider: DnsProvider;
  readonly #options: Required<Omit<DnsUpdaterOptions, 'log' | 'now'>>;
  readonly #log: Logger;
  readonly #now: () => number;
  #known: string | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #running: Promise<DnsOutcome> | undefined;
  readonly #status: DnsStatus;

  constructor(provider: DnsProvider, options: DnsUpdaterOptions) {
    this.#provider = provider;
    this.#options = {
      minIntervalSeconds: options.minIntervalSeconds ?? 300,
      retries: options.retries ?? 3,
      retryMinMs: options.retryMinMs ?? 1000,
    };
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#status = { provider: provider.name, target: provider.target, consecutiveFailures: 0, updates: 0 };
  }

  status(): DnsStatus {
    return structuredClone(this.#status);
  }

  /** This node no longer holds the name: someone else may change the record, so do not trust memory. */
  release(): void {
    this.#known = undefined;
  }

  /** Makes the record point at `ip` if it does not already. One call at a time; concurrent calls share it. */
  ensure(ip: string): Promise<DnsOutcome> {
    this.#running ??= this.#ensure(ip).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #ensure(ip: string): Promise<DnsOutcome> {
    let current = this.#known;
    if (this.#provider.current) {
      try {
        current = await this.#provider.current();
      } catch (error) {
        this.#log.debug({ err: error, provider: this.#provider.name }, 'DNS lookup failed; using memory');
      }
    }
    if (current === ip) {
      this.#known = ip;
      this.#status.lastIp = ip;
      return this.#settle('unchanged');
    }
    const wait = this.#lastAttempt + this.#options.minIntervalSeconds * 1000 - this.#now();
    if (wait > 0) {
      this.#log.info(
        { provider: this.#provider.name, ip, waitSeconds: Math.ceil(wait / 1000) },
        'DNS update deferred',
      );
      return this.#settle('deferred');
    }
    this.#lastAttempt = this.#now();
    this.#status.lastAttemptAt = new Date(this.#lastAttempt).toISOString();
    try {
      const answer = await pRetry(() => this.#attempt(ip), {
        retries: this.#options.retries,
        minTimeout: this.#options.retryMinMs,
        factor: 2,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          this.#log.warn(
            {
              provider: this.#provider.name,
              code: (error as DnsUpdateError).code,
              attemptNumber,
              retriesLeft,
            },
            `DNS update failed: ${error.message}`,
          );
        },
      });
      this.#known = ip;
      this.#status.lastIp = ip;
      this.#status.lastUpdateAt = new Date(this.#now()).toISOString();
      this.#status.lastAnswer = answer;
      this.#status.consecutiveFailures = 0;
      this.#status.updates++;
      this.#log.info(
        { provider: this.#provider.name, target: this.#provider.target, ip },
        'DNS record updated',
      );
      return this.#settle('updated');
    } catch (error) {
      const e = error instanceof DnsUpdateError ? error : undefined;
      this.#status.lastError = {
        code: e?.code ?? 'ERR_DNS_UPDATE',
        message: e?.message ?? String((error as Error)?.message ?? error),
        at: new Date(this.#now()).toISOString(),
      };
      this.#status.consecutiveFailures++;
      this.#log.error(
        { provider: this.#provider.name, code: this.#status.lastError.code },
        this.#status.lastError.message,
      );
      return this.#settle('failed');
    }
  }

  async #attempt(ip: string): Promise<string> {
    try {
      return await this.#provider.update(ip);
    } catch (error) {
      if (error instanceof DnsUpdateError && !error.retryable) throw new AbortError(error);
      throw error;
    }
  }

  #settle(outcome: DnsOutcome): DnsOutcome {
    this.#status.lastOutcome = outcome;
    return outcome;
  }
}
